import sela_gateway.auth.models  # noqa: F401  (registers the auth tables on Base.metadata)
from sela_gateway.models import Base
from sela_kit.migrations import run_env

# The gateway publishes no events and keeps no inbox: only its own tables.
run_env([Base.metadata], messaging=False)
