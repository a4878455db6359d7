"""The loaded data is frozen out of the cycle collector's generations once the app is made (``dashboard.app.settle_long_lived``).

Why it matters is measured in ``benchmarks/GC.md``: a full collection that walks the loaded data
takes hundreds of milliseconds inside whichever request triggered it.
"""

from __future__ import annotations

import gc


def test_the_loaded_data_is_out_of_the_cycle_collectors_sight(dashboard_data):
    from dashboard.app import create_app

    app = create_app(dashboard_data)
    watched = {id(o) for o in gc.get_objects()}  # the permanent generation (frozen) is not listed
    assert gc.get_freeze_count() > 500_000
    assert id(dashboard_data) not in watched and id(dashboard_data.index.table) not in watched and id(app) not in watched
    # and still there to answer
    assert app.server.test_client().get("/map/values?level=2&sector=C29").status_code == 200
