"""Plain dataclasses that cross module boundaries (records, lookup results).

Standard library only: every layer may import these without pulling anything heavy.
"""

from __future__ import annotations
