"""SELA indices.

Regional indicators and composite indices of Latin America and the Caribbean: indicator
catalogue, observations with vintages, integration mechanisms by year, trade introversion,
integration and vulnerability indices, productive niches.
"""
