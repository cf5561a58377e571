/**
 * The farm's mailer: plain-text mail over SMTP (nodemailer), configured by one URL. It is the only
 * way the control plane sends mail, so a test points it at a local SMTP sink and reads what arrived.
 */
import nodemailer, { type Transporter } from 'nodemailer';

/** One message; the sender is the farm's configured From address. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Raised when the SMTP server refused or could not be reached; the server's error is the cause. */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
}

export interface MailerArgs {
  /** smtp://user:pass@host:port or smtps://… (nodemailer's connection URL, query options allowed). */
  readonly smtpUrl: string;
  /** The From header, e.g. `rfarm <rfarm@example.org>`. */
  readonly from: string;
}

export class Mailer {
  private readonly transport: Transporter;

  constructor(private readonly args: MailerArgs) {
    this.transport = nodemailer.createTransport(args.smtpUrl);
  }

  /** Sends one message and waits for the SMTP server to accept it. */
  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.args.from, to: message.to, subject: message.subject, text: message.text });
    } catch (error) {
      throw new MailDeliveryError(`could not send mail to ${message.to}: ${(error as Error).message}`, { cause: error });
    }
  }

  close(): void {
    this.transport.close();
  }
}
