"""gRPC stubs generated from protos/ (python3 manage_all.py protos)."""
