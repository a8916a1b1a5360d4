// SPDX-License-Identifier: Apache-2.0
// Express middleware that authenticates and authorizes every request it sees, answering 401/403/500
// with the Status bodies kube-apiserver would send (docs/reference.md §B.3.7, §B.4.2, §B.4.3).
// Health paths are mounted before it: they are always allowed (§3.10).
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../telemetry/logger.js';
import { kubeStatus, writeStatus } from '../kube-status.js';
import type { Authenticator } from './authenticator.js';
import { accessAttributes, forbiddenMessage, type Authorizer } from './authorizer.js';
import type { UserInfo } from './delegate.js';

export interface AuthMiddlewareOptions {
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly logger: Logger;
}

/** The user a request was authenticated as, once the middleware has run. */
export function requestUser(res: Response): UserInfo | undefined {
  return (res.locals as { user?: UserInfo }).user;
}

export type AuthMiddleware = (req: Request, res: Response, next: NextFunction) => Promise<void>;

export function authMiddleware(options: AuthMiddlewareOptions): AuthMiddleware {
  const { authenticator, authorizer, logger } = options;
  return async (req, res, next) => {
    const authentication = await authenticator.authenticate(req);
    if (!authentication.ok) {
      // apiserver's body is the bare word; the reasons go to the log for whoever debugs the proxy setup.
      logger.debug({ path: req.path, reasons: authentication.reasons }, 'request not authenticated');
      writeStatus(res, kubeStatus('Unauthorized', 'Unauthorized'));
      return;
    }
    const { user } = authentication;
    (res.locals as { user?: UserInfo }).user = user;
    const attributes = accessAttributes(req.method, req.path);
    let decision;
    try {
      decision = await authorizer.authorize(user, attributes);
    } catch (error) {
      logger.warn({ err: error, user: user.username, path: req.path }, 'SubjectAccessReview failed');
      writeStatus(res, kubeStatus('InternalError', `Internal error occurred: ${(error as Error).message}`));
      return;
    }
    if (!decision.allowed) {
      logger.debug({ user: user.username, attributes, reason: decision.reason }, 'request forbidden');
      const details =
        attributes.kind === 'resource' ? { group: attributes.group, kind: attributes.resource } : {};
      writeStatus(res, kubeStatus('Forbidden', forbiddenMessage(user, attributes, decision.reason), details));
      return;
    }
    next();
  };
}
