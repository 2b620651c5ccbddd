from sela_kit.runner import main
from sela_migration.app import SPEC

main(SPEC)
