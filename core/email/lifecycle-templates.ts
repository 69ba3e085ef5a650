// The emails of a post's lifecycle (Eta, loaded by ./render.ts): the reminder that a need or an offering is
// about to expire, with its one-click renew link.

export const EXPIRY_REMINDER_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">Your <%= it.noun %> expires on <%= it.expiresOn %></h1>
<p style="margin:0 0 16px">Hello <%= it.recipientName %>, your <%= it.noun %> <strong><%= it.title %></strong> leaves Roadmatch on <%= it.expiresOn %>. After that it is no longer matched, shown to other organisations or in digests.</p>
<p style="margin:0 0 16px"><a href="<%= it.renewUrl %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Renew for <%= it.months %> months</a></p>
<p style="font-size:14px">Renewing keeps it open for <%= it.months %> months from the day you click; nothing else changes. If it is no longer current, do nothing, or close it on <a href="<%= it.postUrl %>" style="color:#1d4ed8">its page</a>, where you can also choose another date.</p>
`;

export const EXPIRY_REMINDER_TEXT = `Your <%= it.noun %> expires on <%= it.expiresOn %>

Hello <%= it.recipientName %>, your <%= it.noun %> "<%= it.title %>" leaves Roadmatch on <%= it.expiresOn %>. After that it is no longer matched, shown to other organisations or in digests.

Renew for <%= it.months %> months: <%= it.renewUrl %>

Renewing keeps it open for <%= it.months %> months from the day you click; nothing else changes. If it is no longer current, do nothing, or close it on its page, where you can also choose another date.

Its page: <%= it.postUrl %>
<%~ include('@text-footer', it) %>`;
