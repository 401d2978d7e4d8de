"""Reads and writes visit tables through the blob-archive service's Arrow Flight endpoint with
nothing but pyarrow, as a Python user would; run by src/flight/flight.spec.ts.

Usage: python flight_client_check.py HOST:PORT FILE_URL FILE_SHA256_HEX DESTINATION_JSON RECEIVED_PATH
Prints one JSON object with what it saw, and writes the table DoGet returned to RECEIVED_PATH
(an Arrow IPC file) for the test to compare value by value. It calls as one of the archive's own
services does, with the service credential of $VISITSARCH_PEER_CREDENTIAL (decision 0020).
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.flight as flight


def command(read: dict) -> flight.FlightDescriptor:
    return flight.FlightDescriptor.for_command(json.dumps(read).encode())


def main() -> None:
    address, file_url, file_sha256, destination, received_path = sys.argv[1:6]
    client = flight.connect(f"grpc://{address}")
    peer = flight.FlightCallOptions(headers=[(b"x-visitsarch-peer", os.environ["VISITSARCH_PEER_CREDENTIAL"].encode())])
    read = {"file_url": file_url, "expected_file_sha256": file_sha256}

    # GetFlightInfo names a read (with the file's hash) and hands out its ticket; the schema comes with it.
    info = client.get_flight_info(command(read), peer)
    ticket = info.endpoints[0].ticket
    frame = client.do_get(ticket, peer).read_pandas()
    table = client.do_get(ticket, peer).read_all()
    with pa.ipc.new_file(received_path, table.schema) as received:
        received.write_table(table)

    # A selection of columns and nights, server-side.
    selection = {**read, "columns": ["observationId", "band"], "first_day_obs": "2025-11-02", "last_day_obs": "2025-11-03"}
    selected = client.do_get(client.get_flight_info(command(selection), peer).endpoints[0].ticket, peer).read_all()
    selected_schema = client.get_schema(command(selection), peer).schema

    # DoPut stores a table; the PutResult says where and with which hashes.
    writer, reader = client.do_put(flight.FlightDescriptor.for_command(destination.encode()), table.schema, peer)
    writer.write_table(table, max_chunksize=1000)
    writer.done_writing()
    put_result = json.loads(reader.read().to_pybytes())
    writer.close()

    # What is refused: tickets that are not the service's (the bare URL and JSON of earlier
    # versions), reads without the file's hash, objects that do not exist; and, without the
    # credential, everything but a DoGet with a ticket the gateway signed.
    refusals = {
        "url_ticket": lambda: client.do_get(flight.Ticket(file_url.encode()), peer).read_all(),
        "json_ticket": lambda: client.do_get(flight.Ticket(json.dumps(read).encode()), peer).read_all(),
        "path_descriptor": lambda: client.get_flight_info(flight.FlightDescriptor.for_path(file_url), peer),
        "descriptor_without_hash": lambda: client.get_flight_info(command({"file_url": file_url}), peer),
        "missing": lambda: client.get_flight_info(command({**read, "file_url": file_url.replace("visits.arrows", "missing.arrows")}), peer),
        "info_without_credential": lambda: client.get_flight_info(command(read)),
        "unsigned_ticket_without_credential": lambda: client.do_get(ticket).read_all(),
    }
    refused = {}
    for name, call in refusals.items():
        try:
            call()
            refused[name] = None
        # pyarrow maps NOT_FOUND to ArrowKeyError, INVALID_ARGUMENT to ArrowInvalid, UNAUTHENTICATED to FlightUnauthenticatedError
        except (pa.ArrowException, KeyError, flight.FlightError) as error:
            refused[name] = type(error).__name__

    print(
        json.dumps(
            {
                "pandas_rows": len(frame),
                "pandas_columns": list(frame.columns),
                "observation_id_sum": int(frame["observationId"].sum()),
                "info_schema": info.schema.names,
                "info_total_records": info.total_records,
                "table_rows": table.num_rows,
                "selected_columns": selected.schema.names,
                "selected_schema": selected_schema.names,
                "selected_rows": selected.num_rows,
                "selected_ids": selected.column("observationId").to_pylist(),
                "put_result": put_result,
                "refused": refused,
            }
        )
    )


if __name__ == "__main__":
    main()
