import { runService } from '@visitsarch/grpc-server';
import { consdbIngestService } from './service';

runService(consdbIngestService);
