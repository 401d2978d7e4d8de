import { runService } from '@visitsarch/grpc-server';
import { gatewayService } from './service';

runService(gatewayService);
