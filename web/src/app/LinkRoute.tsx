// `/link/<token>`: a share link opens without the shell; the signed-in account (if any) only helps redeem company
// links. Its own chunk, with the editor.
import { useTranslation } from 'react-i18next'
import { useParams } from 'react-router'
import { Api } from '../api'
import { editorPage } from '../editor'
import { Brand, LanguageSwitch, ThemeSwitch } from './chrome'
import { LegacyView } from './LegacyView'
import { linkPage } from './link'
import { currentUser } from './session'

const anonymous = new Api('')

export default function LinkRoute() {
  const { i18n } = useTranslation()
  const { token = '' } = useParams()
  const user = currentUser()
  return (
    <div className="link-shell">
      <header className="topbar"><Brand /><span className="spacer" /><ThemeSwitch /><LanguageSwitch /></header>
      <main className="link-main">
        <LegacyView
          make={() => linkPage(token, user ? { api: anonymous.withToken(user.token), username: user.username } : null, editorPage)}
          deps={[token, user?.username, i18n.language]} />
      </main>
    </div>
  )
}
