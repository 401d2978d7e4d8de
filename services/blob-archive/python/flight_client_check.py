"""Reads and writes visit tables through the blob-archive service's Arrow Flight endpoint with
nothing but pyarrow, as a Python user would; run by src/flight/flight.spec.ts.

Usage: python flight_client_check.py HOST:PORT FILE_URL DESTINATION_JSON RECEIVED_PATH
Prints one JSON object with what it saw, and writes the table DoGet returned to RECEIVED_PATH
(an Arrow IPC file) for the test to compare value by value.
"""

import json
import sys

import pyarrow as pa
import pyarrow.flight as flight


def main() -> None:
    address, file_url, destination, received_path = sys.argv[1:5]
    client = flight.connect(f"grpc://{address}")

    # The object URL itself is a ticket.
    frame = client.do_get(flight.Ticket(file_url.encode())).read_pandas()

    # GetFlightInfo hands out the ticket; the schema comes with it.
    info = client.get_flight_info(flight.FlightDescriptor.for_path(file_url))
    table = client.do_get(info.endpoints[0].ticket).read_all()
    with pa.ipc.new_file(received_path, table.schema) as received:
        received.write_table(table)

    # A JSON ticket selects columns and nights server-side.
    selection = {"file_url": file_url, "columns": ["observationId", "band"], "first_day_obs": "2025-11-02", "last_day_obs": "2025-11-03"}
    selected = client.do_get(flight.Ticket(json.dumps(selection).encode())).read_all()

    # DoPut stores a table; the PutResult says where and with which hashes.
    writer, reader = client.do_put(flight.FlightDescriptor.for_command(destination.encode()), table.schema)
    writer.write_table(table, max_chunksize=1000)
    writer.done_writing()
    put_result = json.loads(reader.read().to_pybytes())
    writer.close()

    try:
        client.do_get(flight.Ticket(file_url.replace("visits.arrows", "missing.arrows").encode())).read_all()
        missing_error = None
    except KeyError as error:  # pyarrow maps gRPC NOT_FOUND to ArrowKeyError
        missing_error = type(error).__name__

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
                "selected_rows": selected.num_rows,
                "selected_ids": selected.column("observationId").to_pylist(),
                "put_result": put_result,
                "missing_error": missing_error,
            }
        )
    )


if __name__ == "__main__":
    main()
