// The email inviting a person to join an organisation on Roadmatch (Eta; rendered by ./render.ts with the
// shared layout). HTML escapes every value; the text part is plain.

export const ORGANISATION_INVITATION_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">Join <%= it.organisationName %> on Roadmatch</h1>
<p style="margin:0 0 16px">Hello, <%= it.inviterName %> invites you to join <strong><%= it.organisationName %></strong> (<%= it.organisationKind %>, <%= it.country %>) on Roadmatch, where biomanufacturers post the technology needs of their roadmap and suppliers and labs what they offer.</p>
<p style="margin:0 0 16px">The link below asks for your name, makes your account as a member of <%= it.organisationName %> and signs you in. It works once, until <%= it.expiresOn %>.</p>
<p style="margin:0 0 16px"><a href="<%= it.url %>" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 14px;border-radius:4px;text-decoration:none">Join <%= it.organisationName %></a></p>
<p style="font-size:14px">If you do not know <%= it.inviterName %> or do not want to join, ignore this email: nothing is made without the link.</p>
`;

export const ORGANISATION_INVITATION_TEXT = `Join <%= it.organisationName %> on Roadmatch

Hello, <%= it.inviterName %> invites you to join <%= it.organisationName %> (<%= it.organisationKind %>, <%= it.country %>) on Roadmatch, where biomanufacturers post the technology needs of their roadmap and suppliers and labs what they offer.

The link below asks for your name, makes your account as a member of <%= it.organisationName %> and signs you in. It works once, until <%= it.expiresOn %>.

Join: <%= it.url %>

If you do not know <%= it.inviterName %> or do not want to join, ignore this email: nothing is made without the link.
<%~ include('@text-footer', it) %>`;

// The email telling a person that another member removed them from their organisation.

export const MEMBER_REMOVED_HTML = `<% layout('@html-layout') %>
<h1 style="font-size:20px;margin:0 0 8px">You were removed from <%= it.organisationName %></h1>
<p style="margin:0 0 16px">Hello <%= it.name %>, <%= it.removedBy %> removed you from <strong><%= it.organisationName %></strong> on Roadmatch, and your account has been deleted: you are signed out, your API tokens no longer work, and this address no longer signs in. What you posted stays with <%= it.organisationName %>.</p>
<p style="font-size:14px">If this is a mistake, ask a member of <%= it.organisationName %> to invite you again.</p>
`;

export const MEMBER_REMOVED_TEXT = `You were removed from <%= it.organisationName %>

Hello <%= it.name %>, <%= it.removedBy %> removed you from <%= it.organisationName %> on Roadmatch, and your account has been deleted: you are signed out, your API tokens no longer work, and this address no longer signs in. What you posted stays with <%= it.organisationName %>.

If this is a mistake, ask a member of <%= it.organisationName %> to invite you again.
<%~ include('@text-footer', it) %>`;
