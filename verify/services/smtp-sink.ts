// A tiny SMTP server that accepts every message and keeps it in memory: a stand-in
// for Mailpit where no container can run. Accepts any login, so apps that send SMTP
// credentials work unchanged.
import { SMTPServer } from 'smtp-server';
import { freePort, portFree } from '../probes/ports.ts';

export interface CapturedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpSink {
  url: string;
  messages: CapturedMail[];
  close(): Promise<void>;
}

/** An SMTP server that keeps every mail; on `wanted` when that port is free, else on a free one. */
export async function startSmtpSink(wanted?: number): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'workshop' }),
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  const port = wanted !== undefined && (await portFree(wanted)) ? wanted : await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
