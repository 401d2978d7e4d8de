/**
 * The arrow.flight.protocol messages visitsarch uses, as @grpc/proto-loader decodes them with
 * the repository's loader options (camelCase fields, defaults filled in). Written by hand: the
 * Flight protocol is Apache's, and its generated stubs are not part of our contracts library.
 */

export enum DescriptorType {
  UNKNOWN = 0,
  PATH = 1,
  CMD = 2,
}

export interface FlightDescriptor {
  type: DescriptorType;
  cmd: Uint8Array;
  path: string[];
}

export interface Ticket {
  ticket: Uint8Array;
}

export interface FlightEndpoint {
  ticket: Ticket;
  location: { uri: string }[];
  appMetadata?: Uint8Array;
}

export interface FlightInfo {
  schema: Uint8Array;
  flightDescriptor: FlightDescriptor;
  endpoint: FlightEndpoint[];
  totalRecords: number;
  totalBytes: number;
  ordered: boolean;
  appMetadata?: Uint8Array;
}

export interface SchemaResult {
  schema: Uint8Array;
}

export interface FlightData {
  flightDescriptor?: FlightDescriptor;
  dataHeader: Uint8Array;
  appMetadata: Uint8Array;
  dataBody: Uint8Array;
}

export interface PutResult {
  appMetadata: Uint8Array;
}

export interface ActionType {
  type: string;
  description: string;
}

export interface HandshakeRequest {
  protocolVersion: number;
  payload: Uint8Array;
}

export interface HandshakeResponse {
  protocolVersion: number;
  payload: Uint8Array;
}
