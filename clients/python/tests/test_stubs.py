"""The Python stubs are generated from the same protos as the services, and talk to them."""

import importlib
import pkgutil

import grpc
import pytest

import visitsarch

API_MODULES = [
    "visitsarch.gateway.v1.gateway_service_pb2_grpc",
    "visitsarch.metadata.v1.metadata_service_pb2_grpc",
    "visitsarch.metadata.v1.registry_service_pb2_grpc",
    "visitsarch.blob_archive.v1.blob_archive_service_pb2_grpc",
    "visitsarch.consdb_ingest.v1.consdb_ingest_service_pb2_grpc",
    "visitsarch.stats.v1.stats_service_pb2_grpc",
]


@pytest.mark.parametrize("name", API_MODULES)
def test_every_api_has_generated_stubs(name):
    module = importlib.import_module(name)
    stubs = [attr for attr in dir(module) if attr.endswith("ServiceStub")]
    servicers = [attr for attr in dir(module) if attr.endswith("ServiceServicer")]
    assert len(stubs) == 1 and len(servicers) == 1, f"{name}: {stubs} {servicers}"


def test_all_generated_modules_import():
    names = [info.name for info in pkgutil.walk_packages(visitsarch.__path__, "visitsarch.") if info.name.endswith("_pb2")]
    assert len(names) >= 6
    for name in names:
        importlib.import_module(name)


def test_gateway_answers_through_the_generated_stub(stack):
    """The gateway's address serves GatewayService and, forwarded, MetadataService and StatsService."""
    from visitsarch.gateway.v1 import gateway_service_pb2 as gw
    from visitsarch.gateway.v1 import gateway_service_pb2_grpc as gw_grpc
    from visitsarch.metadata.v1 import metadata_service_pb2 as md
    from visitsarch.metadata.v1 import metadata_service_pb2_grpc as md_grpc

    token = [("authorization", f"Bearer {stack.token}")]
    with grpc.insecure_channel(stack.gateway) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        records = md_grpc.MetadataServiceStub(channel)
        listed = records.ListVisitSequences(md.ListVisitSequencesRequest(page_size=5), timeout=10, metadata=token)
        with pytest.raises(grpc.RpcError) as raised:
            records.GetVisitSequence(md.GetVisitSequenceRequest(visitseq_uuid="not-a-uuid"), timeout=10, metadata=token)
        query = gw_grpc.GatewayServiceStub(channel).GetDefaultConsdbQuery(gw.GetDefaultConsdbQueryRequest(telescope="simonyi"), timeout=10, metadata=token)
    assert "cdb_lsstcam" in query.query
    assert len(listed.visit_sequences) <= 5
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "visitseq_uuid" in raised.value.details()
