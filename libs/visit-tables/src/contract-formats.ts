import { typeV1 } from '@visitsarch/contracts';
import type { VisitTableFormat } from './formats';

const BY_ENUM: Readonly<Record<number, VisitTableFormat>> = {
  [typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_STREAM]: 'arrow-stream',
  [typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_FILE]: 'arrow-file',
  [typeV1.TableFormat.TABLE_FORMAT_PARQUET]: 'parquet',
  [typeV1.TableFormat.TABLE_FORMAT_HDF5]: 'hdf5',
  [typeV1.TableFormat.TABLE_FORMAT_OPSIM_SQLITE]: 'sqlite',
  [typeV1.TableFormat.TABLE_FORMAT_CSV]: 'csv',
};

const BY_NAME = Object.fromEntries(Object.entries(BY_ENUM).map(([value, name]) => [name, Number(value)])) as Record<VisitTableFormat, typeV1.TableFormat>;

/** The format named by the contract's `TableFormat` (undefined for UNSPECIFIED or an unknown value). */
export function visitTableFormatOf(format: typeV1.TableFormat): VisitTableFormat | undefined {
  return BY_ENUM[format];
}

/** The contract's `TableFormat` of a format name. */
export function tableFormatOf(format: VisitTableFormat): typeV1.TableFormat {
  return BY_NAME[format];
}
