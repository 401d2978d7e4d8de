"""The upload requests the client serializes itself decode as protobuf's, with the Arrow bytes 8-aligned
in a receiving server's buffer (the layout of libs/arrow-ipc's chunkRequestBytes)."""

import numpy as np
import pyarrow as pa
import pytest

from visitsarch import _arrow
from visitsarch.gateway.v1 import gateway_service_pb2 as gw
from visitsarch.type.v1 import arrow_pb2


def _table(rows: int) -> pa.Table:
    rng = np.random.default_rng(rows)
    return pa.table({"observationStartMJD": rng.uniform(60000, 61000, rows), "band": pa.array(rng.choice(["u", "g", "r"], rows)), "night": np.arange(rows, dtype=np.int64)})


@pytest.mark.parametrize("rows", [0, 1, 127, 128, 200_000])
@pytest.mark.parametrize("request_type", [gw.AddSimulationRequest, gw.AddCompletedRequest, gw.ArchiveVisitsRequest])
def test_upload_requests_decode_as_protobufs_with_the_arrow_bytes_aligned(rows, request_type):
    table = _table(rows)
    field = request_type.DESCRIPTOR.fields_by_name["chunk"].number
    requests = list(_arrow.upload_requests(table, field))
    assert (len(requests) > 1) == (rows == 200_000)  # several chunks of about 1 MiB for the large table
    ipc, counted = b"", 0
    for serialized in requests:
        message = request_type.FromString(serialized)
        chunk = message.chunk
        generated = request_type(chunk=arrow_pb2.ArrowIpcChunk(ipc_bytes=chunk.ipc_bytes, row_count=chunk.row_count)).SerializeToString()
        assert request_type.FromString(generated) == message and message.WhichOneof("payload") == "chunk"
        assert len(generated) <= len(serialized) <= len(generated) + 7  # only the two lengths may be longer
        # As grpc-js gives it to a server, 5 bytes into its frame: the Arrow bytes at a multiple of 8.
        assert (5 + serialized.index(chunk.ipc_bytes)) % 8 == 0 or not chunk.ipc_bytes
        ipc += chunk.ipc_bytes
        counted += chunk.row_count
    assert counted == rows
    assert pa.ipc.open_stream(ipc).read_all().equals(table)


@pytest.mark.parametrize("rows", [0, 17, 2_770, 400_000])
def test_to_pandas_gives_the_frame_arrow_gives_on_one_thread_or_several(rows):
    # 400,000 rows of 3 columns pass the threshold (threads); the others convert on one thread.
    table = pa.Table.from_batches(_table(rows).to_batches(max_chunksize=1_000) or [pa.RecordBatch.from_pylist([], _table(0).schema)])
    expected = table.to_pandas(use_threads=False)
    assert (rows * 3 >= _arrow._THREADED_PANDAS_VALUES) == (rows == 400_000)
    assert _arrow.to_pandas(table).equals(expected)
