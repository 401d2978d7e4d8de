import type { Metadata, ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { callerBinding, first, PEER_HEADER, sameSecret, ticketKey, TicketError, verifySignedTicket } from '@visitsarch/auth';
import { GrpcError, responseStream, serveDuplexStream } from '@visitsarch/grpc-server';
import { BLOB_ARCHIVE_SETTINGS, type BlobArchiveSettings } from '../settings';
import { withGrpcErrors, withGrpcErrorsEach } from '../grpc/errors';
import { FlightService } from './flight.service';
import { ActionType, FlightData, FlightDescriptor, PutResult, Ticket } from '@visitsarch/flight';

/** arrow.flight.protocol.FlightService on the blob-archive server's port (RPCs without a handler answer UNIMPLEMENTED). */
@Controller()
export class FlightController {
  private readonly credential: string;
  private readonly ticketKey: Buffer;

  constructor(
    private readonly flight: FlightService,
    @Inject(BLOB_ARCHIVE_SETTINGS) settings: BlobArchiveSettings,
  ) {
    this.credential = settings.serviceCredential;
    this.ticketKey = ticketKey(settings.serviceCredential);
  }

  @GrpcMethod('FlightService', 'GetFlightInfo')
  getFlightInfo(descriptor: FlightDescriptor) {
    return withGrpcErrors(() => this.flight.flightInfo(descriptor));
  }

  @GrpcMethod('FlightService', 'GetSchema')
  getSchema(descriptor: FlightDescriptor) {
    return withGrpcErrors(() => this.flight.schema(descriptor));
  }

  /**
   * The one method open to clients (decision 0020): a peer presents a plain VisitTableTicket; a
   * client, a SignedVisitTableTicket the gateway issued to it, with the same bearer token.
   */
  @GrpcMethod('FlightService', 'DoGet')
  doGet(ticket: Ticket, metadata: Metadata, call?: ServerWritableStream<Ticket, FlightData>): Observable<Buffer> {
    return responseStream(call, () => withGrpcErrorsEach(this.flight.get(this.visitTableTicket(ticket.ticket, metadata))));
  }

  /** The VisitTableTicket bytes of a DoGet: as they are from a peer, verified and unwrapped from a client. */
  private visitTableTicket(bytes: Uint8Array, metadata: Metadata): Uint8Array {
    if (sameSecret(first(metadata, PEER_HEADER), this.credential)) return bytes;
    try {
      return verifySignedTicket(bytes, this.ticketKey, callerBinding(metadata));
    } catch (error) {
      if (error instanceof TicketError) throw new GrpcError(error.code, error.message, { reason: error.reason });
      throw error;
    }
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
