import { runService } from '@visitsarch/grpc-server';
import { metadataService } from './service';

runService(metadataService);
