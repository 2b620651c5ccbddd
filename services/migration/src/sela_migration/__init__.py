"""Migration networks.

Bilateral migrant stocks analysed as networks: measures by year, node roles, backbone,
correlation with development and a gravity model.
"""
