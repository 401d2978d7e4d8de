import { blobArchiveV1, gatewayV1 } from '@visitsarch/contracts';
import { EXPORT_DATA_FIELD } from './downloads.controller';

describe("ExportVisits relaying the blob archive's messages", () => {
  it('is right that `{ data }` encodes the same in both contracts, with data as field EXPORT_DATA_FIELD', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    const relayed = Buffer.from(gatewayV1.ExportVisitsResponse.encode({ data, mediaType: '', fileName: '' }).finish());
    const stored = Buffer.from(blobArchiveV1.ExportVisitTableResponse.encode({ data }).finish());
    expect(relayed).toEqual(stored);
    expect(stored[0]).toBe((EXPORT_DATA_FIELD << 3) | 2);
  });
});
