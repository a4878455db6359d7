/* Play: the year slider steps through the years by itself, one year a second, and stops at the last
   year (pressing play there starts again from the first). While playing, the class breaks come from all
   years' values (classes=all-years, the default while playing): pressing play sets the Classes panel's
   "Breaks from" control to it when it was not, so one colour means one value range in every year, and
   the URL follows as for any control. Each step only moves the slider: assets/map.js (showYear) draws
   the year from the years the browser holds, as for a key press. The button is a real <button>
   (Enter and Space press it); its label and aria-pressed say whether the years are playing.
   The ids are dashboard.layout's PLAY_ID, YEAR_ID and CLASS_SPAN_ID. */
(function () {
  const PLAY = "year-play";
  const YEAR = "year";
  const CLASSES = "classes-span";
  const ALL_YEARS = "all-years";
  const STEP_MS = 1000;
  const LABELS = { playing: "Pause", paused: "Play years" };  // dashboard.layout PAUSE_LABEL, PLAY_LABEL
  let timer = null;

  const setProps = (id, props) => {
    const dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props(id, props);
  };
  const thumb = () => document.querySelector("#" + YEAR + " [role=slider]");
  const number = (el, name) => Number(el.getAttribute(name));
  const disabled = (el) => !el || el.getAttribute("aria-disabled") === "true" || el.hasAttribute("data-disabled");

  function show(playing) {
    setProps(PLAY, { children: playing ? LABELS.playing : LABELS.paused, "aria-pressed": playing ? "true" : "false" });
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    show(false);
  }

  function step() {
    const el = thumb();
    if (disabled(el)) return stop();
    const next = number(el, "aria-valuenow") + 1, last = number(el, "aria-valuemax");
    if (next > last) return stop();
    const map = (window.dash_clientside || {}).clustermap;
    if (map && map.drawYear) map.drawYear(next);  // drawn at once (assets/map.js), then the slider and the rest follow
    setProps(YEAR, { value: next });
    if (next >= last) stop();  // the last year drawn: stop there
  }

  function start() {
    const el = thumb();
    if (disabled(el)) return;
    const classes = document.querySelector("#" + CLASSES + " input:checked");
    if (!classes || classes.value !== ALL_YEARS) setProps(CLASSES, { value: ALL_YEARS });
    if (number(el, "aria-valuenow") >= number(el, "aria-valuemax")) setProps(YEAR, { value: number(el, "aria-valuemin") });
    timer = setInterval(step, STEP_MS);
    show(true);
  }

  document.addEventListener("click", (event) => {
    const button = event.target && event.target.closest ? event.target.closest("#" + PLAY) : null;
    if (!button || button.disabled) return;
    if (timer === null) start();
    else stop();
  });

  // The button follows the slider: disabled with it (the organisation indicators count all years' records).
  function disabledWith(yearDisabled) {
    if (yearDisabled && timer !== null) stop();
    return !!yearDisabled;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    play: { disabledWith: disabledWith, playing: () => timer !== null },
  });
})();
