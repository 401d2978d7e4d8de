import { runService } from '@visitsarch/grpc-server';
import { blobArchiveService } from './service';

runService(blobArchiveService);
