<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name />
    <message>
        <source>signed out</source>
        <translation type="vanished">已签出</translation>
    </message>
    <message>
        <source>ready</source>
        <translation type="vanished">空闲</translation>
    </message>
    <message>
        <source>not ready</source>
        <translation type="vanished">示忙</translation>
    </message>
    <message>
        <source>ringing</source>
        <translation type="vanished">振铃</translation>
    </message>
    <message>
        <source>talking</source>
        <translation type="vanished">通话中</translation>
    </message>
    <message>
        <source>on hold</source>
        <translation type="vanished">保持中</translation>
    </message>
    <message>
        <source>wrap-up</source>
        <translation type="vanished">话后处理</translation>
    </message>
    <message>
        <source>break</source>
        <translation type="vanished">小休</translation>
    </message>
    <message>
        <source>meal</source>
        <translation type="vanished">用餐</translation>
    </message>
    <message>
        <source>training</source>
        <translation type="vanished">培训</translation>
    </message>
    <message>
        <source>meeting</source>
        <translation type="vanished">会议</translation>
    </message>
    <message>
        <source>other</source>
        <translation type="vanished">其他</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation type="vanished">振铃未接</translation>
    </message>
</context>
<context>
    <name>CallsPanel</name>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="50" />
        <source>Answer (F5)</source>
        <translation>接听 (F5)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="51" />
        <source>Reject</source>
        <translation>拒接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="52" />
        <source>Hang up (F6)</source>
        <translation>挂断 (F6)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="53" />
        <location filename="../../ui/softphone/calls_panel.py" line="177" />
        <source>Hold (F7)</source>
        <translation>保持 (F7)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="54" />
        <location filename="../../ui/softphone/calls_panel.py" line="179" />
        <source>Mute (F8)</source>
        <translation>静音 (F8)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="55" />
        <source>Transfer (F9)</source>
        <translation>转接 (F9)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="56" />
        <location filename="../../ui/softphone/calls_panel.py" line="243" />
        <source>Consult</source>
        <translation>咨询转接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="57" />
        <source>Complete transfer</source>
        <translation>完成转接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="58" />
        <source>Conference (F10)</source>
        <translation>三方通话 (F10)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="73" />
        <source>Calls</source>
        <translation>当前通话</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="100" />
        <source>On hold</source>
        <translation>保持中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="102" />
        <source>Held by the other party</source>
        <translation>对方已保持</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="103" />
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="105" />
        <source>Dialling</source>
        <translation>拨号中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="106" />
        <source>Ringing</source>
        <translation>振铃中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="107" />
        <source>Incoming call</source>
        <translation>来电</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="108" />
        <source>Connecting</source>
        <translation>正在接通</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="109" />
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="117" />
        <source>muted</source>
        <translation>已静音</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="119" />
        <source>conference</source>
        <translation>三方通话</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="121" />
        <source>consultation</source>
        <translation>咨询中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="131" />
        <source>Call to %1 failed: %2 %3</source>
        <translation>呼叫 %1 失败：%2 %3</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="177" />
        <source>Resume (F7)</source>
        <translation>恢复通话 (F7)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="179" />
        <source>Unmute (F8)</source>
        <translation>取消静音 (F8)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="186" />
        <source>No call. Dial a number or wait for a call.</source>
        <translation>当前无通话。请拨号或等待来电。</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="195" />
        <source>The phone could not do that: %1</source>
        <translation>话机无法执行该操作：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="233" />
        <source>Transfer</source>
        <translation>转接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="233" />
        <source>Transfer the call to (number):</source>
        <translation>将通话转接至（号码）：</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="243" />
        <source>Consult whom first (number):</source>
        <translation>先咨询的号码：</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="282" />
        <source>The transfer failed: %1 %2</source>
        <translation>转接失败：%1 %2</translation>
    </message>
</context>
<context>
    <name>CourtTile</name>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="81" />
        <source>stale %1</source>
        <translation>未更新 %1</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="85" />
        <source>Queue: no data yet</source>
        <translation>队列：暂无数据</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="88" />
        <source>Waiting %1, longest %2 | answered %3, abandoned %4 | service level %5%</source>
        <translation>排队 %1，最长等待 %2 | 接通 %3，放弃 %4 | 服务水平 %5%</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="93" />
        <source>borrowed %1, lent %2</source>
        <translation>借入 %1，借出 %2</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="95" />
        <source>(stale) %1</source>
        <translation>（未更新）%1</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <location filename="../../ui/main.py" line="116" />
        <source>No sound on this PC: %1 Calls still work; the other side hears silence.</source>
        <translation>本机无法使用声音：%1 通话仍可进行，但对方听不到声音。</translation>
    </message>
</context>
<context>
    <name>Diagnostics</name>
    <message>
        <location filename="../../ui/diagnostics.py" line="154" />
        <source>Export diagnostics</source>
        <translation>导出诊断信息</translation>
    </message>
    <message>
        <location filename="../../ui/diagnostics.py" line="156" />
        <source>Zip files (*.zip)</source>
        <translation>Zip 压缩文件 (*.zip)</translation>
    </message>
    <message>
        <location filename="../../ui/diagnostics.py" line="162" />
        <source>Could not export: %1</source>
        <translation>无法导出：%1</translation>
    </message>
    <message>
        <location filename="../../ui/diagnostics.py" line="165" />
        <source>Saved to %1. Send this file to IT; it holds no password.</source>
        <translation>已保存到 %1。请将此文件发给信息技术部门；其中不含任何密码。</translation>
    </message>
</context>
<context>
    <name>DialPad</name>
    <message>
        <location filename="../../ui/softphone/dialpad.py" line="27" />
        <source>Number or name (Ctrl+D)</source>
        <translation>号码或姓名 (Ctrl+D)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/dialpad.py" line="43" />
        <source>Call</source>
        <translation>呼叫</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="40" />
        <source>In/Out</source>
        <translation>呼入/呼出</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="40" />
        <source>Peer</source>
        <translation>对方</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="40" />
        <source>Start</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="41" />
        <source>Duration</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="41" />
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="45" />
        <source>in progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="47" />
        <source>answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="48" />
        <source>missed</source>
        <translation>未接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="49" />
        <source>rejected</source>
        <translation>已拒接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="50" />
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="51" />
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="62" />
        <source>in</source>
        <translation>呼入</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="62" />
        <source>out</source>
        <translation>呼出</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="87" />
        <source>Search history: number, name, reason (Ctrl+F)</source>
        <translation>搜索通话记录：号码、姓名、原因 (Ctrl+F)</translation>
    </message>
</context>
<context>
    <name>IncomingCallPopup</name>
    <message>
        <location filename="../../ui/softphone/incoming.py" line="24" />
        <location filename="../../ui/softphone/incoming.py" line="41" />
        <source>Incoming call</source>
        <translation>来电</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/incoming.py" line="32" />
        <source>Answer (F5)</source>
        <translation>接听 (F5)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/incoming.py" line="35" />
        <source>Reject</source>
        <translation>拒接</translation>
    </message>
</context>
<context>
    <name>LevelMeter</name>
    <message>
        <location filename="../../ui/softphone/level_meter.py" line="28" />
        <source>Mic</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/level_meter.py" line="30" />
        <source>Speaker</source>
        <translation>扬声器</translation>
    </message>
</context>
<context>
    <name>OverflowPanel</name>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="24" />
        <source>Overflow: lend seats to the main platform</source>
        <translation>溢出调度：向总平台借调坐席</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="30" />
        <source>One seat (number):</source>
        <translation>单个坐席（号码）：</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="36" />
        <source>seat number</source>
        <translation>坐席号码</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="42" />
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="43" />
        <source>Lend</source>
        <translation>借调</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="45" />
        <source>End lending</source>
        <translation>结束借调</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="64" />
        <source>Choose a sub-platform or type a seat number.</source>
        <translation>请选择分平台或输入坐席号码。</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="70" />
        <source>Sending...</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="85" />
        <source>Not sent: %1</source>
        <translation>未发送：%1</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="88" />
        <source>Done.</source>
        <translation>已完成。</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="90" />
        <source>Refused by the queue server: %1 %2</source>
        <translation>排队服务器拒绝：%1 %2</translation>
    </message>
</context>
<context>
    <name>PhoneController</name>
    <message>
        <location filename="../../ui/softphone/controller.py" line="72" />
        <source>The call history could not be saved: %1</source>
        <translation>通话记录未能保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/controller.py" line="82" />
        <source>The ringer could not play: %1</source>
        <translation>振铃设备无法响铃：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/controller.py" line="93" />
        <source>Sound device problem: %1. The call goes on.</source>
        <translation>音频设备故障：%1。通话继续进行。</translation>
    </message>
</context>
<context>
    <name>RegistrationBadge</name>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="27" />
        <source>No account set up</source>
        <translation>尚未设置账号</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="31" />
        <source>Registered as %1</source>
        <translation>已注册：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="32" />
        <source>Registering %1 ...</source>
        <translation>正在注册 %1 ...</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="33" />
        <source>Connection to the server lost (%2) - retrying by itself</source>
        <translation>与服务器的连接已断开（%2），正在自动重试</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="34" />
        <source>Registration refused: %2</source>
        <translation>注册被拒绝：%2</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="35" />
        <source>Not registered</source>
        <translation>未注册</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="39" />
        <source>wrong user name or password (%1 %2)</source>
        <translation>用户名或密码错误（%1 %2）</translation>
    </message>
</context>
<context>
    <name>SeatRole</name>
    <message>
        <location filename="../../ui/roles.py" line="74" />
        <source>Queue: no data yet</source>
        <translation>排队：暂无数据</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="93" />
        <source>Queue: %1 waiting, longest %2, answered %3, abandoned %4</source>
        <translation>排队 %1，最长等待 %2，已接通 %3，已放弃 %4</translation>
    </message>
</context>
<context>
    <name>SeatState</name>
    <message>
        <location filename="../../ui/wallboard/window.py" line="66" />
        <source>signed out</source>
        <translation>已签出</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="67" />
        <source>ready</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="68" />
        <source>not ready</source>
        <translation>示忙</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="69" />
        <source>ringing</source>
        <translation>振铃</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="70" />
        <source>talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="71" />
        <source>on hold</source>
        <translation>保持</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="72" />
        <source>wrap-up</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="73" />
        <source>break</source>
        <translation>休息</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="74" />
        <source>meal</source>
        <translation>用餐</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="75" />
        <source>training</source>
        <translation>培训</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="76" />
        <source>meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="77" />
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="78" />
        <source>no answer</source>
        <translation>未接听</translation>
    </message>
</context>
<context>
    <name>SeatStatePanel</name>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="30" />
        <source>Ready</source>
        <translation>示闲</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="33" />
        <source>Not ready</source>
        <translation>示忙</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="42" />
        <source>End wrap-up</source>
        <translation>结束话后处理</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="73" />
        <source>then: %1</source>
        <translation>之后：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="78" />
        <source>Sign in</source>
        <translation>签入</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="78" />
        <source>Sign out</source>
        <translation>签出</translation>
    </message>
</context>
<context>
    <name>SeatTableModel</name>
    <message>
        <location filename="../../ui/wallboard/model.py" line="154" />
        <source>Seat</source>
        <translation>坐席</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="154" />
        <source>Number</source>
        <translation>号码</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="154" />
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="154" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="155" />
        <source>Time in state</source>
        <translation>状态时长</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="155" />
        <source>Call</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="155" />
        <source>Calls today</source>
        <translation>今日通话数</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="180" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="185" />
        <source>%1 (stale, %2 ago)</source>
        <translation>%1（已 %2 未更新）</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="26" />
        <source>Phone settings</source>
        <translation>话机设置</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="39" />
        <source>Answer calls automatically after a short beep</source>
        <translation>短提示音后自动接听来电</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="41" />
        <source>Note: TLS here uses the OpenSSL 1.0.2 bundled with the SIP library.</source>
        <translation>注意：此处的 TLS 使用 SIP 库自带的 OpenSSL 1.0.2。</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="51" />
        <source>Set by your IT department</source>
        <translation>由本院信息技术部门统一设置</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="54" />
        <source>SIP account</source>
        <translation>SIP 账号</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="56" />
        <location filename="../../ui/softphone/settings_dialog.py" line="123" />
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="57" />
        <location filename="../../ui/softphone/settings_dialog.py" line="123" />
        <source>User (seat number)</source>
        <translation>用户名（坐席号）</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="58" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="59" />
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="60" />
        <source>Transport</source>
        <translation>传输协议</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="62" />
        <source>Outbound proxy</source>
        <translation>出站代理</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="69" />
        <source>Headset and ringer</source>
        <translation>耳机与振铃设备</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="71" />
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="72" />
        <source>Speaker</source>
        <translation>扬声器</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="73" />
        <source>Ringer</source>
        <translation>振铃设备</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="75" />
        <source>No sound device found: calls work, but without sound on this PC.</source>
        <translation>未找到音频设备：可以通话，但本机没有声音。</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="85" />
        <source>Export diagnostics...</source>
        <translation>导出诊断信息...</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="102" />
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="124" />
        <source>Please check: %1</source>
        <translation>请检查：%1</translation>
    </message>
</context>
<context>
    <name>SoftphoneWindow</name>
    <message>
        <location filename="../../ui/softphone/window.py" line="33" />
        <source>12368 Hotline - Seat</source>
        <translation>12368 诉讼服务热线 - 坐席</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="39" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="42" />
        <source>Register again</source>
        <translation>重新注册</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="45" />
        <source>Headset test (echo)</source>
        <translation>耳机测试（回声测试）</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="61" />
        <source>Call history</source>
        <translation>通话记录</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="140" />
        <source>Could not call %1: %2</source>
        <translation>无法呼叫 %1：%2</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="185" />
        <source>Call from the %1 queue: you are answering for another platform</source>
        <translation>来自%1排队的来电：您正在为其他平台接听</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="82" />
        <source>My team</source>
        <translation>本院坐席</translation>
    </message>
</context>
<context>
    <name>TodayCharts</name>
    <message>
        <location filename="../../ui/wallboard/charts.py" line="38" />
        <source>Calls waiting</source>
        <translation>排队来电数</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/charts.py" line="44" />
        <source>Answered / abandoned per 15 minutes</source>
        <translation>每 15 分钟接通 / 放弃量</translation>
    </message>
</context>
<context>
    <name>WallboardWindow</name>
    <message>
        <location filename="../../ui/wallboard/window.py" line="86" />
        <source>12368 Hotline - Wallboard</source>
        <translation>12368 诉讼服务热线 - 监控大屏</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="106" />
        <source>All courts</source>
        <translation>全部法院</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="111" />
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="114" />
        <source>stale</source>
        <translation>未更新</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="128" />
        <source>Sound</source>
        <translation>声音提示</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="137" />
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="139" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="142" />
        <source>Alert when calls waiting reach</source>
        <translation>排队告警阈值（来电数）</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="144" />
        <source>or the longest wait reaches</source>
        <translation>或最长等待达到</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="190" />
        <source>Queue alert: %1</source>
        <translation>排队告警：%1</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <source>My team</source>
        <translation type="vanished">本组坐席</translation>
    </message>
</context>
</TS>