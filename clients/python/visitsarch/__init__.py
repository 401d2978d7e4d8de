"""Python client of visitsarch, the Rubin Observatory scheduler-simulation archive.

The gRPC stubs of every visitsarch API are generated from the repository's ``proto/``
into subpackages named after the protobuf packages, e.g.
``visitsarch.gateway.v1.gateway_service_pb2_grpc.GatewayServiceStub``.
"""

__version__ = "0.1.0"
