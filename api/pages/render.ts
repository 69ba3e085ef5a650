// Server-rendered pages (Eta, every value escaped). Small for now: the pages behind the links in emails.

import { Eta } from 'eta';
import type { PairView } from '../../core/email/render.js';

const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · Roadmatch</title>
<style>
body{margin:0;font-family:system-ui,Arial,sans-serif;background:#f4f6f8;color:#1d2733;line-height:1.5}
main{max-width:640px;margin:40px auto;background:#fff;padding:32px;border-radius:8px}
.brand{font-size:13px;letter-spacing:.05em;text-transform:uppercase;color:#4a5866;margin:0 0 16px}
h1{font-size:24px;margin:0 0 16px}
.card{border:1px solid #d8dee4;border-radius:6px;padding:16px;margin:0 0 16px}
label{display:block;font-weight:600;margin:0 0 4px}
textarea{width:100%;box-sizing:border-box;font:inherit;padding:8px;border:1px solid #4a5866;border-radius:4px}
button{font:inherit;background:#1d4ed8;color:#fff;border:0;border-radius:4px;padding:10px 18px;cursor:pointer}
button.secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8}
button:focus,textarea:focus{outline:3px solid #f59e0b;outline-offset:2px}
.error{color:#b91c1c}
.muted{color:#4a5866;font-size:14px}
</style>
</head>
<body>
<main>
<p class="brand">Roadmatch</p>
<%~ it.body %>
</main>
</body>
</html>
`;

const PAIR = `<div class="card">
<p><strong>Need:</strong> <%= it.pair.needTitle %> <span class="muted">(<%= it.pair.needOrganisation %>)</span></p>
<p><strong>Offering:</strong> <%= it.pair.offeringTitle %> <span class="muted">(<%= it.pair.offeringOrganisation %>)</span></p>
<p><strong>Why they match:</strong> <%= it.pair.summary %></p>
</div>`;

const CONFIRM = `<% layout('@layout') %>
<h1><%= it.title %></h1>
<% if (it.intro) { %><p><%= it.intro %></p><% } %>
<% if (it.pair) { %><%~ include('@pair', it) %><% } %>
<% if (it.quote) { %><blockquote class="card" style="white-space:pre-wrap"><%= it.quote %></blockquote><% } %>
<form method="post" action="<%= it.action %>">
<% if (it.messageField) { %>
<p>
<label for="message">Your message to the other side</label>
<textarea id="message" name="message" rows="6" maxlength="2000" required aria-describedby="message-help<% if (it.error) { %> message-error<% } %>"><%= it.message || '' %></textarea>
<span id="message-help" class="muted">Who you are and what you hope for; up to 2,000 characters. Your name and email are shared only if they accept.</span>
<% if (it.error) { %><br><span id="message-error" class="error" role="alert"><%= it.error %></span><% } %>
</p>
<% } %>
<button type="submit"><%= it.button %></button>
</form>
`;

const RESULT = `<% layout('@layout') %>
<h1><%= it.title %></h1>
<p<% if (it.isError) { %> class="error" role="alert"<% } %>><%= it.message %></p>
<% if (it.pair) { %><%~ include('@pair', it) %><% } %>
`;

const eta = new Eta({ autoEscape: true, autoTrim: false });
eta.loadTemplate('@layout', LAYOUT);
eta.loadTemplate('@pair', PAIR);
eta.loadTemplate('@confirm', CONFIRM);
eta.loadTemplate('@result', RESULT);

export interface ConfirmPage {
  title: string;
  intro?: string;
  pair?: PairView;
  quote?: string;
  /** Where the form posts. */
  action: string;
  button: string;
  /** Shows the message box of an introduction request. */
  messageField?: boolean;
  message?: string;
  error?: string;
}

export const confirmPage = (page: ConfirmPage) => eta.render('@confirm', page);

export const resultPage = (page: { title: string; message: string; isError?: boolean; pair?: PairView }) =>
  eta.render('@result', page);
