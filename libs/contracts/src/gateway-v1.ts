export * from './gen/visitsarch/gateway/v1/gateway_service';
