"""The generated region: realistic, calibrated data in the files a Swedish region would send.

No region hands its patient data to an open-source project, so the demo, the tests and the
benchmarks run on generated regions. :func:`generate_region` writes one region (default
Västmanland) and :func:`generate_national` all 21, in the import format of
``docs/reference/import-format.md``; ``docs/explanation/generated-region.md`` explains the
model and its calibration to the published Swedish figures. The public surface is exactly
``__all__``.
"""

from vardkoll.synth._national import generate_national, region_directory
from vardkoll.synth._population import (
    AGE_BANDS,
    AGE_SEX_PYRAMID,
    REGION_POPULATION,
    region_population,
)
from vardkoll.synth._queues import CalibrationTargets
from vardkoll.synth._region import (
    DEFAULT_AS_OF,
    DEFAULT_REGION,
    DEFAULT_SEED,
    FILE_NAMES,
    GenerationReport,
    Progress,
    RegionReport,
    generate_region,
)

__all__ = [
    "AGE_BANDS",
    "AGE_SEX_PYRAMID",
    "DEFAULT_AS_OF",
    "DEFAULT_REGION",
    "DEFAULT_SEED",
    "FILE_NAMES",
    "REGION_POPULATION",
    "CalibrationTargets",
    "GenerationReport",
    "Progress",
    "RegionReport",
    "generate_national",
    "generate_region",
    "region_directory",
    "region_population",
]
