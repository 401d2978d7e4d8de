import { runService } from '@visitsarch/grpc-server';
import { statsService } from './service';

runService(statsService);
