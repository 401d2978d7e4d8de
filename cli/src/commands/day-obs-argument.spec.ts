import { CliError } from '../cli-error';
import { dayObsArgument } from './queries';

describe('dayObsArgument', () => {
  it('takes a day_obs as text, as YYYYMMDD, or as an MJD (its night, by the UTC−12 h rule, as the Python client does)', () => {
    expect(['2025-11-02', '20251102', '20251102,', '60981.9', '60982'].map((value) => dayObsArgument(value, 'day_obs'))).toEqual([
      '2025-11-02',
      '2025-11-02',
      '2025-11-02',
      '2025-11-02',
      '2025-11-02',
    ]);
    expect(dayObsArgument('60981.2', 'day_obs')).toBe('2025-11-01'); // 04:48 UTC on 2025-11-02: the night of 2025-11-01
  });

  it('refuses anything else in one line naming the forms, exit code 2', () => {
    for (const value of ['2025-13-01', '12345', '60981.2.1', 'tonight']) {
      expect(() => dayObsArgument(value, 'day_obs')).toThrow(CliError);
      expect(() => dayObsArgument(value, 'day_obs')).toThrow(/^day_obs: not a day_obs: .* \(expected YYYY-MM-DD, YYYYMMDD or an integer such as 20250814, or an MJD such as 60981\.2\)$/);
    }
  });
});
