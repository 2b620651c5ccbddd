from sela_indices.tables import metadata
from sela_kit.migrations import run_env

run_env([metadata])
