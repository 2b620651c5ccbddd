from sela_kit.migrations import run_env
from sela_ports.all_models import Base

run_env([Base.metadata])
