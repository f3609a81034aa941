"""One writer process of the concurrency test: registers its list, linking onto duplicates.

    python tests/concurrent_writer.py URL DATA_DIR WORKER_NUMBER LIST.json

LIST.json holds ``[[smiles, name, cas], ...]``; every compound gets a synonym and a note that
name this worker, and the same CAS number every other worker gives it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from registry.config import Settings
from registry.models import Note
from registry.service import Registry


def main() -> None:
    url, data_dir, worker, list_file = sys.argv[1:5]
    items = json.loads(Path(list_file).read_text())
    settings = Settings.from_env(
        {"REGISTRY_DATA_DIR": data_dir, "REGISTRY_CACHE_DIR": data_dir},
        author=f"writer-{worker}",
        offline=True,
    )
    with Registry.open(url, settings=settings, seed=False) as registry:
        for smiles, name, cas in items:
            registry.add(
                smiles,
                name=name,
                cas=[cas],
                synonyms=[f"{name} (writer {worker})"],
                notes=[Note("usage", f"Registered by writer {worker}.", source=f"w{worker}")],
                link=True,
            )


if __name__ == "__main__":
    main()
