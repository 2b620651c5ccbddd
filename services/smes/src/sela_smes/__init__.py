"""SME directory and IPPALC.

Directory of small and medium-sized enterprises with partner matching, and the Public Policy
Index for MSMEs in Latin America and the Caribbean (IPPALC).
"""
