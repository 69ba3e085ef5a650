// Email templates (Eta). HTML parts escape every value; text parts are plain. Kept as strings here rather
// than files so that `core/` does no I/O and the build needs nothing copied.

export const HTML_LAYOUT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title><%= it.subject %></title></head>
<body style="margin:0;padding:0;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1d2733;line-height:1.5">
<div style="max-width:640px;margin:0 auto;padding:24px;background:#ffffff">
<p style="margin:0 0 16px;font-size:13px;color:#4a5866;letter-spacing:.05em;text-transform:uppercase">Roadmatch</p>
<%~ it.body %>
<hr style="border:none;border-top:1px solid #d8dee4;margin:24px 0">
<p style="font-size:12px;color:#4a5866">
<% if (it.unsubscribeUrl) { %>You receive this because your Roadmatch digests are on.
<a href="<%= it.unsubscribeUrl %>" style="color:#1d4ed8">Unsubscribe from digests</a><% } else { %><%= it.reason ?? "Roadmatch sends this because of an introduction request about your organisation's post." %><% } %>
<% if (it.settingsUrl) { %> · <a href="<%= it.settingsUrl %>" style="color:#1d4ed8">Email settings</a><% } %>
</p>
</div>
</body>
</html>
`;

export const TEXT_FOOTER = `
--
<% if (it.unsubscribeUrl) { %>You receive this because your Roadmatch digests are on.
Unsubscribe from digests: <%= it.unsubscribeUrl %>
<% } else { %><%= it.reason ?? "Roadmatch sends this because of an introduction request about your organisation's post." %>
<% } %><% if (it.settingsUrl) { %>Email settings: <%= it.settingsUrl %>
<% } %>
`;

export const DIGEST_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">Hello <%= it.recipientName %>,</h1>
<% if (it.items.length) { %><p style="margin:0 0 16px"><%= it.items.length === 1 ? 'One new match' : it.items.length + ' new matches' %> for <%= it.organisationName %> <%= it.periodPhrase %>, best first.</p><% } %>
<% it.items.forEach(function (item, i) { %>
<div style="border:1px solid #d8dee4;border-radius:6px;padding:16px;margin:0 0 16px">
<p style="margin:0 0 4px;font-size:13px;color:#4a5866">For your <%= item.side %>: <strong><%= item.ownTitle %></strong></p>
<h2 style="font-size:17px;margin:0 0 4px"><%= i + 1 %>. <% if (item.counterpartUrl) { %><a href="<%= item.counterpartUrl %>" style="color:#1d4ed8"><%= item.counterpartTitle %></a><% } else { %><%= item.counterpartTitle %><% } %></h2>
<p style="margin:0 0 8px;font-size:14px;color:#4a5866"><%= item.counterpartOrganisation %> · match <%= item.scorePercent %>%</p>
<p style="margin:0 0 8px"><strong>Why:</strong> <%= item.summary %></p>
<% if (item.capabilities.length) { %><p style="margin:0 0 8px;font-size:14px">Capabilities in common: <%= item.capabilities.join(', ') %></p><% } %>
<% if (item.terms.length) { %><p style="margin:0 0 12px;font-size:14px">Terms that matched: <%= item.terms.join(', ') %></p><% } %>
<p style="margin:0">
<a href="<%= item.requestIntroductionUrl %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Request an introduction</a>
&nbsp;<a href="<%= item.notRelevantUrl %>" style="color:#1d4ed8">Not relevant</a>
</p>
</div>
<% }) %>
<% if (it.items.length) { %><p style="font-size:14px">An introduction is double opt-in: the other side is asked first, and names and emails are shared only when they accept.</p><% } %>
<% it.commonNeeds.forEach(function (c) { %>
<div style="border:1px solid #d8dee4;border-radius:6px;padding:16px;margin:0 0 16px">
<h2 style="font-size:17px;margin:0 0 4px"><%= c.organisationCount === 1 ? '1 other biomanufacturer needs' : c.organisationCount + ' other biomanufacturers need' %> this too</h2>
<p style="margin:0 0 8px;font-size:14px;color:#4a5866">Your need: <strong><%= c.ownTitle %></strong></p>
<ul style="margin:0 0 8px;padding-left:20px"><% c.others.forEach(function (o) { %><li><%= o.title %> <span style="color:#4a5866">(<%= o.organisation %>)</span></li><% }) %></ul>
<p style="margin:0"><a href="<%= c.url %>" style="color:#1d4ed8">See the common need and start a consortium</a></p>
</div>
<% }) %>
<% if (it.groups.length || it.consortia.length) { %><h2 style="font-size:17px;margin:16px 0 8px">In the capabilities you follow</h2><% } %>
<% it.groups.forEach(function (g) { %><p style="margin:0 0 8px">Common need: <a href="<%= g.url %>" style="color:#1d4ed8"><%= g.title %></a> <span style="color:#4a5866">(<%= g.organisationCount %> organisations, <%= g.needCount %> needs)</span></p><% }) %>
<% it.consortia.forEach(function (c) { %><p style="margin:0 0 8px"><%= c.status === 'active' ? 'Consortium at work' : 'Consortium forming' %>: <a href="<%= c.url %>" style="color:#1d4ed8"><%= c.title %></a></p><% }) %>
`;

export const DIGEST_TEXT = `Hello <%= it.recipientName %>,

<% if (it.items.length) { %><%= it.items.length === 1 ? 'One new match' : it.items.length + ' new matches' %> for <%= it.organisationName %> <%= it.periodPhrase %>, best first.
<% } %><% it.items.forEach(function (item, i) { %>

<%= i + 1 %>. <%= item.counterpartTitle %>
   <%= item.counterpartOrganisation %> · match <%= item.scorePercent %>%
   For your <%= item.side %>: <%= item.ownTitle %>
   Why: <%= item.summary %>
<% if (item.counterpartUrl) { %>   Read it: <%= item.counterpartUrl %>
<% } %><% if (item.capabilities.length) { %>   Capabilities in common: <%= item.capabilities.join(', ') %>
<% } %><% if (item.terms.length) { %>   Terms that matched: <%= item.terms.join(', ') %>
<% } %>   Request an introduction: <%= item.requestIntroductionUrl %>
   Not relevant: <%= item.notRelevantUrl %>
<% }) %>
<% if (it.items.length) { %>

An introduction is double opt-in: the other side is asked first, and names and emails are shared only when they accept.
<% } %><% it.commonNeeds.forEach(function (c) { %>

<%= c.organisationCount === 1 ? '1 other biomanufacturer needs' : c.organisationCount + ' other biomanufacturers need' %> this too
   Your need: <%= c.ownTitle %>
<% c.others.forEach(function (o) { %>   - <%= o.title %> (<%= o.organisation %>)
<% }) %>   See the common need and start a consortium: <%= c.url %>
<% }) %><% if (it.groups.length || it.consortia.length) { %>

In the capabilities you follow:
<% } %><% it.groups.forEach(function (g) { %>   Common need: <%= g.title %> (<%= g.organisationCount %> organisations, <%= g.needCount %> needs): <%= g.url %>
<% }) %><% it.consortia.forEach(function (c) { %>   <%= c.status === 'active' ? 'Consortium at work' : 'Consortium forming' %>: <%= c.title %>: <%= c.url %>
<% }) %>
<%~ include('@text-footer', it) %>`;

/** The pair an introduction is about, as the reader may see it. */
const PAIR_HTML = `<div style="border:1px solid #d8dee4;border-radius:6px;padding:16px;margin:0 0 16px">
<p style="margin:0 0 4px"><strong>Need:</strong> <%= it.needTitle %> <span style="color:#4a5866">(<%= it.needOrganisation %>)</span></p>
<p style="margin:0 0 4px"><strong>Offering:</strong> <%= it.offeringTitle %> <span style="color:#4a5866">(<%= it.offeringOrganisation %>)</span></p>
<p style="margin:0"><strong>Why they match:</strong> <%= it.summary %></p>
</div>`;

const PAIR_TEXT = `Need: <%= it.needTitle %> (<%= it.needOrganisation %>)
Offering: <%= it.offeringTitle %> (<%= it.offeringOrganisation %>)
Why they match: <%= it.summary %>`;

export const INTRODUCTION_REQUEST_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px"><%= it.reminder ? 'Reminder: an' : 'An' %> introduction request for <%= it.organisationName %></h1>
<p style="margin:0 0 16px"><%= it.requesterLabel %> would like to be introduced to you about this match:</p>
${PAIR_HTML}
<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #d8dee4;white-space:pre-wrap"><%= it.message %></blockquote>
<p style="margin:0 0 16px">
<a href="<%= it.acceptUrl %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Accept</a>
&nbsp;<a href="<%= it.declineUrl %>" style="color:#1d4ed8">Decline</a>
</p>
<p style="font-size:14px">If you accept, you will both receive one email with each other's names and addresses. The request expires on <%= it.expiresOn %>.</p>
`;

export const INTRODUCTION_REQUEST_TEXT = `<%= it.reminder ? 'Reminder: an' : 'An' %> introduction request for <%= it.organisationName %>

<%= it.requesterLabel %> would like to be introduced to you about this match:

${PAIR_TEXT}

Their message:
<%= it.message %>

Accept: <%= it.acceptUrl %>
Decline: <%= it.declineUrl %>

If you accept, you will both receive one email with each other's names and addresses. The request expires on <%= it.expiresOn %>.
<%~ include('@text-footer', it) %>`;

export const INTRODUCTION_ACCEPTED_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">Introduction: <%= it.you.organisation %> meets <%= it.other.organisation %></h1>
<p style="margin:0 0 16px">Hello <%= it.you.name %>, both sides have agreed to this introduction. Meet
<strong><%= it.other.name %></strong> of <strong><%= it.other.organisation %></strong><% if (it.other.email) { %>:
<a href="mailto:<%= it.other.email %>" style="color:#1d4ed8"><%= it.other.email %></a>.<% } else { %>, who has since left Roadmatch: write to <%= it.other.organisation %>.<% } %></p>
${PAIR_HTML}
<p style="margin:0 0 8px">The request said:</p>
<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #d8dee4;white-space:pre-wrap"><%= it.message %></blockquote>
<% if (it.other.email) { %><p style="font-size:14px">Reply to this email to write to <%= it.other.name %> directly.</p><% } %>
`;

export const INTRODUCTION_ACCEPTED_TEXT = `Introduction: <%= it.you.organisation %> meets <%= it.other.organisation %>

Hello <%= it.you.name %>, both sides have agreed to this introduction. Meet <%= it.other.name %> of <%= it.other.organisation %><% if (it.other.email) { %>: <%= it.other.email %><% } else { %>, who has since left Roadmatch: write to <%= it.other.organisation %>.<% } %>

${PAIR_TEXT}

The request said:
<%= it.message %>
<% if (it.other.email) { %>
Reply to this email to write to <%= it.other.name %> directly.
<% } %><%~ include('@text-footer', it) %>`;

export const INTRODUCTION_CLOSED_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px"><%= it.headline %></h1>
<p style="margin:0 0 16px">Hello <%= it.recipientName %>, <%= it.explanation %></p>
${PAIR_HTML}
`;

export const INTRODUCTION_CLOSED_TEXT = `<%= it.headline %>

Hello <%= it.recipientName %>, <%= it.explanation %>

${PAIR_TEXT}
<%~ include('@text-footer', it) %>`;

export const SIGNIN_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px"><%= it.welcome ? 'Welcome to Roadmatch' : 'Sign in to Roadmatch' %></h1>
<% if (it.registered) { %><p style="margin:0 0 16px">Someone, perhaps you, asked to sign up on Roadmatch with this address. It already has an account, so nothing new was made.</p><% } %>
<p style="margin:0 0 16px">Hello <%= it.name %>, <%= it.welcome ? 'your organisation is registered. Use' : 'use' %> this link to sign in. It works once, within <%= it.minutes %> minutes.</p>
<p style="margin:0 0 16px"><a href="<%= it.url %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Sign in</a></p>
<p style="font-size:14px">If you did not ask for it, ignore this email: nothing happens without the link.</p>
`;

export const SIGNIN_TEXT = `<%= it.welcome ? 'Welcome to Roadmatch' : 'Sign in to Roadmatch' %>
<% if (it.registered) { %>
Someone, perhaps you, asked to sign up on Roadmatch with this address. It already has an account, so nothing new was made.
<% } %>
Hello <%= it.name %>, <%= it.welcome ? 'your organisation is registered. Use' : 'use' %> this link to sign in. It works once, within <%= it.minutes %> minutes.

Sign in: <%= it.url %>

If you did not ask for it, ignore this email: nothing happens without the link.
`;

export const SIGNUP_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">Welcome to Roadmatch</h1>
<p style="margin:0 0 16px">Hello <%= it.name %>, someone (we hope you) asked to sign up <strong><%= it.organisationName %></strong> (<%= it.organisationKind %>, <%= it.country %>) on Roadmatch with this address.</p>
<p style="margin:0 0 16px">Nothing is made until you confirm: the link below creates the organisation with you as its first member and signs you in. It works once, within <%= it.hours %> hours.</p>
<p style="margin:0 0 16px"><a href="<%= it.url %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Confirm and sign in</a></p>
<p style="font-size:14px">If you did not ask for it, ignore this email: nothing happens without the link.</p>
`;

export const SIGNUP_TEXT = `Welcome to Roadmatch

Hello <%= it.name %>, someone (we hope you) asked to sign up <%= it.organisationName %> (<%= it.organisationKind %>, <%= it.country %>) on Roadmatch with this address.

Nothing is made until you confirm: the link below creates the organisation with you as its first member and signs you in. It works once, within <%= it.hours %> hours.

Sign in: <%= it.url %>

If you did not ask for it, ignore this email: nothing happens without the link.
`;

export const CONSORTIUM_INVITATION_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">An invitation to a pre-competitive consortium</h1>
<p style="margin:0 0 16px">Hello <%= it.recipientName %>, <%= it.organisationName %> is invited to join
<strong><%= it.title %></strong>, because of your <%= it.because %>.</p>
<div style="border:1px solid #d8dee4;border-radius:6px;padding:16px;margin:0 0 16px">
<p style="margin:0 0 8px"><strong>Scope:</strong></p>
<p style="margin:0 0 8px;white-space:pre-wrap"><%= it.scope %></p>
<p style="margin:0;font-size:14px;color:#4a5866">So far: <%= it.membersLine %>. Status: <%= it.status %>.</p>
</div>
<p style="margin:0 0 8px"><strong>The charter (version <%= it.charterVersion %>)</strong>, which every member accepts:</p>
<pre style="margin:0 0 16px;padding:12px;background:#f4f6f8;white-space:pre-wrap;font-family:inherit;font-size:14px"><%= it.charterText %></pre>
<p style="margin:0 0 16px">Joining reveals your organisation to the members of the consortium, and only to them. Until then nobody learns who you are.</p>
<p style="margin:0">
<a href="<%= it.joinUrl %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Read and join</a>
&nbsp;<a href="<%= it.declineUrl %>" style="color:#1d4ed8">Decline</a>
</p>
`;

export const CONSORTIUM_INVITATION_TEXT = `An invitation to a pre-competitive consortium

Hello <%= it.recipientName %>, <%= it.organisationName %> is invited to join "<%= it.title %>", because of your <%= it.because %>.

Scope:
<%= it.scope %>

So far: <%= it.membersLine %>. Status: <%= it.status %>.

The charter (version <%= it.charterVersion %>), which every member accepts:

<%= it.charterText %>

Joining reveals your organisation to the members of the consortium, and only to them. Until then nobody learns who you are.

Read and join: <%= it.joinUrl %>
Decline: <%= it.declineUrl %>
<%~ include('@text-footer', it) %>`;

export const CONSORTIUM_ACTIVE_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px"><%= it.title %> is active</h1>
<p style="margin:0 0 16px">Hello <%= it.recipientName %>, the consortium now has the biomanufacturers and the supplier or lab it needs to start work. Its members, and whom to write to:</p>
<% it.members.forEach(function (m) { %>
<div style="border:1px solid #d8dee4;border-radius:6px;padding:12px 16px;margin:0 0 8px">
<p style="margin:0 0 4px"><strong><%= m.organisation %></strong> <span style="color:#4a5866">(<%= m.kind %>)</span></p>
<% m.people.forEach(function (p) { %><p style="margin:0;font-size:14px"><%= p.name %>: <a href="mailto:<%= p.email %>" style="color:#1d4ed8"><%= p.email %></a></p><% }) %>
</div>
<% }) %>
<p style="margin:16px 0 0;font-size:14px">Remember the charter (version <%= it.charterVersion %>): share technical requirements, standards, test methods and aggregated data; never prices, costs, margins, capacities, volumes, customers or bids.</p>
<p style="margin:8px 0 0"><a href="<%= it.url %>" style="color:#1d4ed8">The consortium's page</a></p>
`;

export const CONSORTIUM_ACTIVE_TEXT = `<%= it.title %> is active

Hello <%= it.recipientName %>, the consortium now has the biomanufacturers and the supplier or lab it needs to start work. Its members, and whom to write to:
<% it.members.forEach(function (m) { %>

<%= m.organisation %> (<%= m.kind %>)
<% m.people.forEach(function (p) { %>   <%= p.name %>: <%= p.email %>
<% }) %><% }) %>

Remember the charter (version <%= it.charterVersion %>): share technical requirements, standards, test methods and aggregated data; never prices, costs, margins, capacities, volumes, customers or bids.

The consortium's page: <%= it.url %>
<%~ include('@text-footer', it) %>`;
