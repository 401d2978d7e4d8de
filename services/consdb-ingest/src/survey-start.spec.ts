import { status } from '@grpc/grpc-js';
import { ConfigError, loadConfig } from '@visitsarch/config';
import { SURVEY_START_MJD } from '@visitsarch/consdb';
import { ConsdbVisits } from './consdb-visits';
import { consdbIngestService } from './service';
import { ConsdbIngestConfig, surveyStartMjd } from './settings';

it('CONSDB_SURVEY_START_MJD defaults to rubin_scheduler’s SURVEY_START_MJD and is validated at start-up', () => {
  expect(loadConfig(consdbIngestService.schema, {}).CONSDB_SURVEY_START_MJD).toBe(61220.5);
  expect(SURVEY_START_MJD).toBe(61220.5);
  expect(loadConfig(consdbIngestService.schema, { CONSDB_SURVEY_START_MJD: '60980.5' }).CONSDB_SURVEY_START_MJD).toBe(60980.5);
  for (const bad of ['2461220.5', 'soon', '-5', '61220.5d']) {
    expect(() => surveyStartMjd(bad, 'CONSDB_SURVEY_START_MJD')).toThrow(ConfigError);
    expect(() => loadConfig(consdbIngestService.schema, { CONSDB_SURVEY_START_MJD: bad })).toThrow(/CONSDB_SURVEY_START_MJD/);
  }
});

it('a request’s survey_start_mjd replaces the configured one; an implausible one is INVALID_ARGUMENT', () => {
  const consdb = new ConsdbVisits({ CONSDB_SURVEY_START_MJD: 61000.5 } as ConsdbIngestConfig);
  expect(consdb.surveyStartMjd(undefined)).toBe(61000.5);
  expect(consdb.surveyStartMjd(60980.5)).toBe(60980.5);
  for (const bad of [0, Number.NaN, 2_461_220.5]) expect(() => consdb.surveyStartMjd(bad)).toThrow(expect.objectContaining({ code: status.INVALID_ARGUMENT }));
});
