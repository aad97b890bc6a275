-- An e-mail address per account, so an OpenID Connect identity (st.login) maps to a local account.
ALTER TABLE users ADD COLUMN email VARCHAR;
