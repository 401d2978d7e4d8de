export * from './gen/visitsarch/stats/v1/stats_service';
