"""What a run's draws need in memory, and the refusal of a draw count that cannot fit.

Separate from the simulation because it is checked before anything is drawn, and reads
the machine (``/proc``, the cgroup, ``ulimit -v``), not the scenario's numbers.
"""

from pathlib import Path

from mcvalue.costmodels.threshold import POOL_WIDTH
from mcvalue.errors import McValueError
from mcvalue.priors.spec import BENEFIT_METHOD_KEYS, Scenario
from mcvalue.vocab.paper import METHOD_KEYS

#: A run's peak memory over the float64 arrays its Simulation keeps (sorting copies, the
#: decision analysis's conditioning, temporaries). Measured 2.6 with the default priors
#: (peak RSS 323 MB at 200,000 draws, 684 MB at 1,000,000: 451 B per extra draw against
#: 184 B kept), rounded up.
WORKING_FACTOR = 3


def bytes_per_draw(scenario: Scenario) -> int:
    """Return the memory one Monte Carlo draw needs: the arrays a Simulation keeps, times WORKING_FACTOR.

    Kept per draw: one float64 per prior quantity, the FTE pool row (POOL_WIDTH), FTE and
    cost per method (2 x 6), benefit per benefit method (3), and the FTE row, method index,
    benefit method index, cost, benefit and BCR (6).
    """
    return 8 * (len(scenario.quantities) + POOL_WIDTH + 2 * len(METHOD_KEYS) + len(BENEFIT_METHOD_KEYS) + 6) * WORKING_FACTOR


def available_memory() -> int | None:
    """Return the bytes this process may still allocate (the least of the limits it can read), or None.

    Reads the kernel's MemAvailable, the cgroup's memory.max less memory.current, and the
    address-space limit (``ulimit -v``) less the current virtual size.
    """
    import resource

    limits = []
    meminfo = _read_fields("/proc/meminfo")
    if "MemAvailable" in meminfo:
        limits.append(meminfo["MemAvailable"] * 1024)
    cgroup_max, cgroup_now = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if cgroup_max is not None and cgroup_now is not None:
        limits.append(cgroup_max - cgroup_now)
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    vm_size = _read_fields("/proc/self/status").get("VmSize")
    if soft != resource.RLIM_INFINITY and vm_size is not None:
        limits.append(soft - vm_size * 1024)
    return max(0, min(limits)) if limits else None


def _read_int(path: str) -> int | None:
    """Return the integer a one-line kernel file holds, or None (absent, unreadable, "max")."""
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def _read_fields(path: str) -> dict[str, int]:
    """Return the ``Name: number [kB]`` lines of a /proc file as numbers (empty if unreadable)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        name, _, rest = line.partition(":")
        value = rest.split()[0] if rest.split() else ""
        if value.isdigit():
            out[name] = int(value)
    return out


def check_memory(scenario: Scenario, available: int | None = None) -> None:
    """Refuse, before anything is sampled, a draw count whose arrays cannot fit in the memory available.

    Raises
    ------
    McValueError
        Naming ``--draws``, the memory the draws need and the largest draw count that fits.
    """
    available = available_memory() if available is None else available
    if available is None:
        return
    per_draw = bytes_per_draw(scenario)
    draws = scenario.run.draws
    if draws * per_draw > available:
        largest = available // per_draw
        raise McValueError(
            f"--draws: {draws:,} draws need about {draws * per_draw / 2**30:,.1f} GiB of memory but "
            f"{available / 2**30:,.1f} GiB is available; at most {largest:,} draws fit"
        )
