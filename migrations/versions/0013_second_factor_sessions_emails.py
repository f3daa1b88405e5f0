"""second factor (TOTP secret, recovery codes); when a sign-in session was last seen; email
skeletons against look-alike accounts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00

Existing emails are rewritten in their normalised form (NFKC case fold) where that form is
not taken already, and get their UTS #39 skeleton (wipo_training.auth.emails). An account
that looks like an older one keeps a NULL skeleton and its email as it is (the migration
names it): creating more look-alikes is refused from now on. Existing sign-in sessions have
no "last seen" until their next request. No account has a second factor yet: those whose
role requires one set it up at their next sign-in.
"""
from alembic import op
import sqlalchemy as sa

from wipo_training.auth.emails import email_skeleton, normalise_email


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_skeleton', sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))

    _normalise_existing_emails()

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_users_email_skeleton'), ['email_skeleton']
        )

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def _normalise_existing_emails():
    users = sa.table(
        'users', sa.column('id'), sa.column('email'), sa.column('email_skeleton')
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    emails = {email for _id, email in rows}
    skeletons = set()
    for user_id, email in rows:
        values = {}
        normalised = normalise_email(email)
        if normalised != email and normalised not in emails:
            emails.discard(email)
            emails.add(normalised)
            values['email'] = email = normalised
        skeleton = email_skeleton(email)
        if skeleton in skeletons:
            print(f"  account {user_id} ({email}) looks like an older account: left as it is")
        else:
            skeletons.add(skeleton)
            values['email_skeleton'] = skeleton
        if values:
            bind.execute(sa.update(users).where(users.c.id == user_id).values(**values))


def downgrade():
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_email_skeleton'), type_='unique')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('email_skeleton')
