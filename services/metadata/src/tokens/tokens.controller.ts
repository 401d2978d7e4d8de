import type { Metadata } from '@grpc/grpc-js';
import { Controller, UseInterceptors } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { AuditInterceptor } from '../identity/audit.interceptor';
import { requireScope } from '../identity/caller';
import { TokensService } from './tokens.service';

/**
 * TokenService, forwarded by the gateway, whose interceptor has checked the `admin` scope; checked
 * here again from the identity headers (defence in depth). Creations and revocations are audited.
 */
@Controller()
@metadataV1.TokenServiceControllerMethods()
@UseInterceptors(AuditInterceptor)
export class TokenController implements metadataV1.TokenServiceController {
  constructor(private readonly tokens: TokensService) {}

  createToken(request: metadataV1.CreateTokenRequest, metadata?: Metadata) {
    return this.tokens.create(request, requireScope(metadata, 'admin').identity);
  }

  listTokens(request: metadataV1.ListTokensRequest, metadata?: Metadata) {
    requireScope(metadata, 'admin');
    return this.tokens.list(request);
  }

  revokeToken(request: metadataV1.RevokeTokenRequest, metadata?: Metadata) {
    requireScope(metadata, 'admin');
    return this.tokens.revoke(request);
  }
}

/** TokenVerificationService: the gateway's question "who is this bearer token?"; peers only, never forwarded. */
@Controller()
@metadataV1.TokenVerificationServiceControllerMethods()
export class TokenVerificationController implements metadataV1.TokenVerificationServiceController {
  constructor(private readonly tokens: TokensService) {}

  verifyToken(request: metadataV1.VerifyTokenRequest) {
    return this.tokens.verify(request);
  }
}
