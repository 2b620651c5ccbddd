from sela_indices.tables import metadata
from sela_kit.jobs import JOBS_METADATA
from sela_kit.migrations import run_env

run_env([metadata, JOBS_METADATA])
