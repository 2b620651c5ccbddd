from sela_kit.runner import main
from sela_smes.app import SPEC

main(SPEC)
