import os
import os.path as osp
import shutil

import pytest


def _threads_per_worker() -> int:
    """Threads for torch in each test process and in the tools it runs: the machine's cores
    shared out among the pytest-xdist workers (one each for ``make test``'s two workers on the
    2-core reference machine), at most two, the figure the suite was tuned with. More threads
    than cores (two workers with two threads each on two cores) make every OpenMP region wait
    on a descheduled thread: the tool tests ran several times slower so."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    return max(1, min(2, (cores or 1) // workers))


if 'PYTEST_XDIST_WORKER' in os.environ:
    # a worker: its own share, whatever the controller process inherited or set
    os.environ['OMP_NUM_THREADS'] = str(_threads_per_worker())
else:
    os.environ.setdefault('OMP_NUM_THREADS', str(_threads_per_worker()))

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def pytest_collection_modifyitems(items):
    """Tests marked ``slow(seconds)`` run first, the longest first, so that the xdist workers
    are not left waiting on one long test at the end; the others keep their order. The tests of
    one ``xdist_group`` (sharing a module-scoped training run) share their largest estimate
    and stay together, so the run is made once."""
    def cost(item):
        mark = item.get_closest_marker('slow')
        return mark.args[0] if mark and mark.args else (1 if mark else 0)

    group_cost = {}
    for item in items:
        group = item.get_closest_marker('xdist_group')
        if group:
            name = group.args[0] if group.args else group.kwargs.get('name')
            group_cost[name] = max(group_cost.get(name, 0), cost(item))

    def key(item):
        group = item.get_closest_marker('xdist_group')
        if group:
            return -group_cost[group.args[0] if group.args else group.kwargs.get('name')]
        return -cost(item)

    items.sort(key=key)


@pytest.fixture(scope='session')
def tiny_market(tmp_path_factory) -> str:
    """A tiny generated dataset in Market-1501 layout (shared, read-only for tests)."""
    from mmcl_ice_plugin.datasets import PRESETS, make_synthetic_reid
    root = str(tmp_path_factory.mktemp('synthetic') / 'tiny')
    make_synthetic_reid(root, seed=0, **PRESETS['tiny'])
    return root


@pytest.fixture
def market_copy(tiny_market, tmp_path) -> str:
    """A private copy of the tiny dataset that a test may damage."""
    root = str(tmp_path / 'market')
    shutil.copytree(tiny_market, root)
    return root
