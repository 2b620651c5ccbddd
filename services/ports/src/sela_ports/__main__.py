from sela_kit.runner import main
from sela_ports.app import SPEC

main(SPEC)
