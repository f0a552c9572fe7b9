"""The test run's clock for the Python processes it starts, when LDN_TEST_NOW is set.

tests/conftest.py puts this folder on PYTHONPATH and the run's offset from the real clock in
LDN_TEST_CLOCK_OFFSET_SECONDS: an xdist worker, a Celery worker or a second Django process a
test starts then reads the same clock as the test (a worker at the real hour judged reminders
due at another time than the sweep that claimed them). Python imports the first sitecustomize
on its path: this one stands in for any other only in such a run."""

import os

_offset = os.environ.get("LDN_TEST_CLOCK_OFFSET_SECONDS")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
    time.time()  # a ticking travel starts its clock at the first reading: now, not later
