import { setTimeout as sleep } from 'node:timers/promises';
import { AppSettings } from '../../config/app-settings';
import { loadConfig } from '../../config/config';
import { ApiError } from '../http/api-error';
import { JwtService } from './jwt.service';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123456789';

describe('JwtService: verified tokens are remembered only until they expire', () => {
  const service = new JwtService(new AppSettings(loadConfig({ NODE_ENV: 'test' }), 'postgres://unused', SECRET, 'carrier-secret-0123456789'));

  it('answers a repeated token with the same principal, which nobody can change', async () => {
    const token = await JwtService.sign(SECRET, 'op-1', ['operator'], 60);
    const first = await service.verify(token);
    expect(first).toEqual({ kind: 'user', id: 'op-1', roles: ['operator'] });
    expect(await service.verify(token)).toBe(first);
    expect(() => (first.roles as string[]).push('admin')).toThrow(TypeError);
  });

  it('refuses a remembered token once it has expired', async () => {
    const token = await JwtService.sign(SECRET, 'op-2', ['operator'], 1);
    await service.verify(token);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 20);
    const refusal = await service.verify(token).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
  });

  it('does not remember refusals: a forged token stays refused', async () => {
    const forged = await JwtService.sign('another-secret-another-secret-another-0123', 'op-3', ['admin'], 60);
    for (let i = 0; i < 2; i++) await expect(service.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_SIGNATURE_INVALID' });
  });

  it('accepts a stream ticket only where a ticket is asked for, and only a ticket there, remembered or not', async () => {
    const ticket = await JwtService.sign(SECRET, 'op-4', ['operator'], 60, { purpose: 'mes-stream' });
    const bearer = await JwtService.sign(SECRET, 'op-4', ['operator'], 60);
    for (let i = 0; i < 2; i++) {
      expect(await service.verify(ticket, { purpose: 'mes-stream' })).toMatchObject({ id: 'op-4' });
      await expect(service.verify(ticket)).rejects.toMatchObject({ status: 401, code: 'TOKEN_PURPOSE_INVALID' });
      await expect(service.verify(bearer, { purpose: 'mes-stream' })).rejects.toMatchObject({ status: 401, code: 'STREAM_TICKET_REQUIRED' });
      expect(await service.verify(bearer)).toMatchObject({ id: 'op-4' });
    }
  });
});
