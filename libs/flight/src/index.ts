/**
 * @visitsarch/flight: Arrow Flight as visitsarch speaks it. The protocol's messages (hand-written
 * types), IPC messages as FlightData and back, and the blob archive's DoGet tickets
 * (VisitTableTicket), made and read here only.
 */
export * from './flight-types';
export { encapsulate, encodeFlightData, readFlightDataFromFile } from './flight-data';
export { VisitTableTicket, decodeVisitTableTicket, encodeVisitTableTicket } from './visit-table-ticket';
