import type { Metadata, ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { responseStream, serveDuplexStream } from '@visitsarch/grpc-server';
import { withGrpcErrors, withGrpcErrorsEach } from '../grpc/errors';
import { FlightService } from './flight.service';
import { ActionType, FlightData, FlightDescriptor, PutResult, Ticket } from '@visitsarch/flight';

/** arrow.flight.protocol.FlightService on the blob-archive server's port (RPCs without a handler answer UNIMPLEMENTED). */
@Controller()
export class FlightController {
  constructor(private readonly flight: FlightService) {}

  @GrpcMethod('FlightService', 'GetFlightInfo')
  getFlightInfo(descriptor: FlightDescriptor) {
    return withGrpcErrors(() => this.flight.flightInfo(descriptor));
  }

  @GrpcMethod('FlightService', 'GetSchema')
  getSchema(descriptor: FlightDescriptor) {
    return withGrpcErrors(() => this.flight.schema(descriptor));
  }

  @GrpcMethod('FlightService', 'DoGet')
  doGet(ticket: Ticket, _metadata?: Metadata, call?: ServerWritableStream<Ticket, FlightData>): Observable<Buffer> {
    return responseStream(call, () => withGrpcErrorsEach(this.flight.get(ticket.ticket)));
  }

  @GrpcStreamCall('FlightService', 'DoPut')
  doPut(call: ServerDuplexStream<FlightData, PutResult>) {
    return serveDuplexStream(call, (data, cancelled) => withGrpcErrorsEach(this.flight.put(data, cancelled)));
  }

  /** No actions: the service offers data, not commands. */
  @GrpcMethod('FlightService', 'ListActions')
  listActions(_request: unknown, _metadata?: Metadata, call?: ServerWritableStream<unknown, ActionType>): Observable<ActionType> {
    return responseStream(call, async function* () {});
  }
}
