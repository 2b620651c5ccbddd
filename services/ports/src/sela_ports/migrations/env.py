from sela_kit.migrations import run_env
from sela_ports.models import Base

run_env([Base.metadata])
