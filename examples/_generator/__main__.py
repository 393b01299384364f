"""Regenerate the example clusters: `python examples/_generator` from the repository root.

Each example is written in the layout of `kubectl cluster-info dump --output-directory=DIR -A`, by the
same writer the tests use (tests/dumps.py), plus — where an example says so — the extra
`kubectl get ... -o json` files a snapshot may hold (`<ns>/persistentvolumeclaims.json`, ...; see
docs/snapshot-format.md). Output is deterministic: a rerun without code changes leaves `git status` clean.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent
sys.path[:0] = [str(HERE), str(EXAMPLES.parent / "tests")]

import healthy  # noqa: E402
import payments_degraded  # noqa: E402
import shop_outage  # noqa: E402
from dumps import write_as_cluster_dump  # noqa: E402

CLUSTERS = {"shop-outage": shop_outage, "payments-degraded": payments_degraded, "healthy": healthy}


def main() -> None:
    for name, module in CLUSTERS.items():
        cluster = module.build()
        target = EXAMPLES / name
        if target.exists():
            shutil.rmtree(target)
        write_as_cluster_dump(
            cluster.objects,
            cluster.logs,
            target,
            log_errors=cluster.log_errors,
            namespaces=module.EMPTY_NAMESPACES,
        )
        print(
            f"{target.relative_to(EXAMPLES.parent)}: {len(cluster.objects)} objects, {len(cluster.logs)} logs"
        )


if __name__ == "__main__":
    main()
