"""Network of Digital and Collaborative Ports.

Registry and governance of the Network of Digital and Collaborative Ports, its private
collaborative area and the quantitative port benchmark.
"""
