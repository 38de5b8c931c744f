<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
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
    <name>CallerPage</name>
    <message>
        <location filename="../../ui/desk/caller.py" line="58"/>
        <location filename="../../ui/desk/caller.py" line="180"/>
        <source>No call in hand.</source>
        <translation>当前没有通话。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="69"/>
        <source>e.g. CY7K-3M9Q</source>
        <translation>例如 CY7K-3M9Q</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="73"/>
        <source>Look up</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="79"/>
        <source>Case query code</source>
        <translation>案件查询码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="80"/>
        <source>Password</source>
        <translation>查询密码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="87"/>
        <source>18-character resident ID number</source>
        <translation>18 位居民身份证号码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="90"/>
        <source>e.g. (2026)京0105民初1234号</source>
        <translation>例如 (2026)京0105民初1234号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="93"/>
        <source>or the phone registered with the court</source>
        <translation>或在法院预留的电话</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="94"/>
        <source>Verify identity</source>
        <translation>验证身份</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="99"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="100"/>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="101"/>
        <location filename="../../ui/desk/caller.py" line="278"/>
        <source>Case number</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="102"/>
        <source>Registered phone</source>
        <translation>预留电话</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="107"/>
        <source>By query code</source>
        <translation>按查询码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="108"/>
        <source>By identity</source>
        <translation>按身份信息</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="116"/>
        <source>Case progress appears here after the caller is verified. Nothing is shown before.</source>
        <translation>来电人通过身份验证后，此处显示案件进展；验证前不显示任何信息。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="163"/>
        <source>case enquiry</source>
        <translation>案件查询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="163"/>
        <source>contact a judge</source>
        <translation>联系法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="164"/>
        <source>legal question</source>
        <translation>法律咨询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="164"/>
        <source>complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="165"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="170"/>
        <source>answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="170"/>
        <source>missed</source>
        <translation>未接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="171"/>
        <source>rejected</source>
        <translation>已拒接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="171"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="172"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="211"/>
        <source>Checking...</source>
        <translation>正在核验…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="227"/>
        <source>The lookup could not be recorded, so nothing is shown: %1</source>
        <translation>查询记录未能保存，因此不显示任何信息：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="233"/>
        <source>Verified. Tell the caller only what is shown here.</source>
        <translation>已通过验证。只能告知来电人此处显示的内容。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="249"/>
        <source>Enter both the case query code and the password.</source>
        <translation>请同时输入案件查询码和查询密码。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="250"/>
        <source>Enter the name, the ID number, and the case number or the registered phone.</source>
        <translation>请输入姓名、身份证号，以及案号或预留电话。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="252"/>
        <source>Locked after too many failed attempts until %1. Verify the caller another way, or ask them to call again after that time.</source>
        <translation>验证失败次数过多，已锁定至 %1。请用其他方式验证来电人，或请其在该时间之后再来电。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="255"/>
        <source>The details do not match. Too many failed attempts: locked until %1.</source>
        <translation>信息不符。验证失败次数过多，已锁定至 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="258"/>
        <source>The details do not match a case. %1 attempt(s) left before it is locked.</source>
        <translation>信息与案件不符。还可尝试 %1 次，之后将被锁定。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="261"/>
        <source>The court case system did not answer in time. Try again in a moment; what you typed is kept.</source>
        <translation>法院案件系统响应超时。请稍后重试；已输入的内容会保留。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="264"/>
        <source>The court case system cannot be reached (it may be down). Tell the caller you will call back, or try again later; what you typed is kept.</source>
        <translation>无法连接法院案件系统（可能暂停服务）。请告知来电人稍后回电，或稍后重试；已输入的内容会保留。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="267"/>
        <source>The court case system could not answer: %1</source>
        <translation>法院案件系统无法答复：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="278"/>
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="279"/>
        <source>Cause</source>
        <translation>案由</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="279"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="280"/>
        <source>Stage</source>
        <translation>审理阶段</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="280"/>
        <source>Division</source>
        <translation>庭室</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="281"/>
        <source>Judge</source>
        <translation>承办法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="281"/>
        <source>Filed</source>
        <translation>立案日期</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="282"/>
        <source>Next hearing</source>
        <translation>下次开庭</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="284"/>
        <source>none scheduled</source>
        <translation>暂未排期</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="290"/>
        <source>Recent steps</source>
        <translation>最近进展</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="304"/>
        <source>Earlier calls and cases could not be read.</source>
        <translation>无法读取此前的来电和案件记录。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="306"/>
        <source>%1 (%2) in case %3, %4</source>
        <translation>%1（%2），%4 %3</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="310"/>
        <source>and %1 more cases</source>
        <translation>另有 %1 件案件</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="312"/>
        <source>%1 earlier call(s) from this number</source>
        <translation>此号码此前来电 %1 次</translation>
    </message>
    <message>
        <location filename="../../ui/desk/caller.py" line="325"/>
        <source>First call from this number.</source>
        <translation>此号码首次来电。</translation>
    </message>
</context>
<context>
    <name>CallsPanel</name>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="51"/>
        <source>Answer (F5)</source>
        <translation>接听 (F5)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="52"/>
        <source>Reject</source>
        <translation>拒接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="53"/>
        <source>Hang up (F6)</source>
        <translation>挂断 (F6)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="54"/>
        <location filename="../../ui/softphone/calls_panel.py" line="178"/>
        <source>Hold (F7)</source>
        <translation>保持 (F7)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="55"/>
        <location filename="../../ui/softphone/calls_panel.py" line="180"/>
        <source>Mute (F8)</source>
        <translation>静音 (F8)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="56"/>
        <source>Transfer (F9)</source>
        <translation>转接 (F9)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="57"/>
        <location filename="../../ui/softphone/calls_panel.py" line="244"/>
        <source>Consult</source>
        <translation>咨询转接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="58"/>
        <source>Complete transfer</source>
        <translation>完成转接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="59"/>
        <source>Conference (F10)</source>
        <translation>三方通话 (F10)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="74"/>
        <source>Calls</source>
        <translation>当前通话</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="101"/>
        <source>On hold</source>
        <translation>保持中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="103"/>
        <source>Held by the other party</source>
        <translation>对方已保持</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="104"/>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="106"/>
        <source>Dialling</source>
        <translation>拨号中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="107"/>
        <source>Ringing</source>
        <translation>振铃中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="108"/>
        <source>Incoming call</source>
        <translation>来电</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="109"/>
        <source>Connecting</source>
        <translation>正在接通</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="110"/>
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="118"/>
        <source>muted</source>
        <translation>已静音</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="120"/>
        <source>conference</source>
        <translation>三方通话</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="122"/>
        <source>consultation</source>
        <translation>咨询中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="132"/>
        <source>Call to %1 failed: %2 %3</source>
        <translation>呼叫 %1 失败：%2 %3</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="178"/>
        <source>Resume (F7)</source>
        <translation>恢复通话 (F7)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="180"/>
        <source>Unmute (F8)</source>
        <translation>取消静音 (F8)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="187"/>
        <source>No call. Dial a number or wait for a call.</source>
        <translation>当前无通话。请拨号或等待来电。</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="196"/>
        <source>The phone could not do that: %1</source>
        <translation>话机无法执行该操作：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="234"/>
        <source>Transfer</source>
        <translation>转接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="234"/>
        <source>Transfer the call to (number):</source>
        <translation>将通话转接至（号码）：</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="244"/>
        <source>Consult whom first (number):</source>
        <translation>先咨询的号码：</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/calls_panel.py" line="283"/>
        <source>The transfer failed: %1 %2</source>
        <translation>转接失败：%1 %2</translation>
    </message>
</context>
<context>
    <name>ComplaintsPage</name>
    <message>
        <location filename="../../ui/desk/complaints.py" line="78"/>
        <source>Choose the court…</source>
        <translation>选择法院…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="86"/>
        <source>What the caller complains about, in their words</source>
        <translation>来电人投诉的内容（按来电人原话记录）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="89"/>
        <location filename="../../ui/desk/complaints.py" line="214"/>
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="90"/>
        <location filename="../../ui/desk/complaints.py" line="214"/>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="91"/>
        <source>File and dispatch</source>
        <translation>登记并转办</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="94"/>
        <source>Court concerned</source>
        <translation>涉及法院</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="95"/>
        <source>Caller&apos;s number</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="96"/>
        <source>Caller&apos;s name</source>
        <translation>来电人姓名</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="97"/>
        <location filename="../../ui/desk/complaints.py" line="375"/>
        <source>Case</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="98"/>
        <source>Complaint</source>
        <translation>投诉内容</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="100"/>
        <location filename="../../ui/desk/complaints.py" line="116"/>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="105"/>
        <source>File a complaint</source>
        <translation>登记投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="116"/>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="116"/>
        <source>Filed</source>
        <translation>登记时间</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="116"/>
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="117"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="117"/>
        <location filename="../../ui/desk/complaints.py" line="375"/>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="117"/>
        <location filename="../../ui/desk/complaints.py" line="135"/>
        <location filename="../../ui/desk/complaints.py" line="376"/>
        <source>Call back</source>
        <translation>回访</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="124"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="128"/>
        <location filename="../../ui/desk/complaints.py" line="359"/>
        <source>Start handling</source>
        <translation>开始办理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="131"/>
        <source>What was done</source>
        <translation>办理情况</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="132"/>
        <source>Mark resolved</source>
        <translation>标记为已处理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="140"/>
        <source>Record call back</source>
        <translation>记录回访结果</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="143"/>
        <source>Reason, if the caller was not reached</source>
        <translation>未联系上来电人的原因</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="144"/>
        <source>Close</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="175"/>
        <source>Complaints you can see</source>
        <translation>可查看的投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="207"/>
        <source>Open</source>
        <translation>待处理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="208"/>
        <source>Dispatched</source>
        <translation>已转办</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="209"/>
        <source>Being handled</source>
        <translation>办理中</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="210"/>
        <source>Resolved</source>
        <translation>已处理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="211"/>
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="217"/>
        <source>Caller reached</source>
        <translation>已联系上</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="218"/>
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="219"/>
        <source>Busy</source>
        <translation>占线</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="220"/>
        <source>Call failed</source>
        <translation>呼叫失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="223"/>
        <source>filed</source>
        <translation>已登记</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="223"/>
        <source>dispatched to</source>
        <translation>转办至</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="224"/>
        <source>notice not delivered</source>
        <translation>通知未送达</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="225"/>
        <source>handling started</source>
        <translation>开始办理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="226"/>
        <source>resolved</source>
        <translation>已处理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="226"/>
        <source>reopened</source>
        <translation>重新办理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="227"/>
        <source>call back</source>
        <translation>回访</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="227"/>
        <source>closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="228"/>
        <source>note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="232"/>
        <source>Write down what the caller complains about.</source>
        <translation>请记录来电人投诉的内容。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="233"/>
        <source>The complaint is too long (at most 4000 characters).</source>
        <translation>投诉内容过长（最多 4000 字）。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="234"/>
        <source>Choose the court the complaint is about.</source>
        <translation>请选择投诉涉及的法院。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="235"/>
        <source>That court is not in the directory; choose one from the list.</source>
        <translation>通讯录中没有该法院，请从列表中选择。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="236"/>
        <source>This complaint is not visible to this seat.</source>
        <translation>本坐席无权查看此投诉。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="237"/>
        <source>Only the court concerned or the consulting judge can do this.</source>
        <translation>只有涉及法院或咨询法官可以执行此操作。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="238"/>
        <source>The complaint is not in a state where this can be done.</source>
        <translation>该投诉当前的状态不能执行此操作。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="239"/>
        <source>Call the caller back first and reach them, or write the reason for closing without a call back.</source>
        <translation>请先回访并联系上来电人，或填写未经回访即办结的原因。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="241"/>
        <source>Write down what was done before marking it resolved.</source>
        <translation>标记为已处理前，请先填写办理情况。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="242"/>
        <source>Someone else changed this complaint just now; the list is refreshed: check it and try again.</source>
        <translation>他人刚刚修改了此投诉，列表已刷新：请核对后重试。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="244"/>
        <source>The caller left no number to call back.</source>
        <translation>来电人未留下可回访的号码。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="294"/>
        <source>Complaint No. %1 filed and sent to %2.</source>
        <translation>%1 号投诉已登记，并已转办至 %2。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="358"/>
        <source>Reopen</source>
        <translation>重新办理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="368"/>
        <source>Choose a complaint in the list.</source>
        <translation>请在列表中选择一条投诉。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="374"/>
        <source>Complaint No. %1</source>
        <translation>%1 号投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="376"/>
        <source>Resolution</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="389"/>
        <source>You filed this complaint; the court concerned handles it.</source>
        <translation>此投诉由您登记，由涉及法院办理。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="427"/>
        <source>Complaint No. %1: %2.</source>
        <translation>%1 号投诉：%2。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="449"/>
        <source>Calling %1 back…</source>
        <translation>正在回拨 %1…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="464"/>
        <source>Call back recorded: %1.</source>
        <translation>已记录回访结果：%1。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/complaints.py" line="484"/>
        <source>%1 new complaint(s) for your court, %2 urgent: handle them first.</source>
        <translation>本院有 %1 条新投诉，其中 %2 条紧急：请优先处理。</translation>
    </message>
</context>
<context>
    <name>Consult</name>
    <message>
        <location filename="../../ui/desk/consult.py" line="77"/>
        <source>%1 is not signed in at the moment. Try another consulting judge, or send again later.</source>
        <translation>%1 目前未签入。请换一位咨询法官，或稍后重新发送。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="81"/>
        <source>%1 is not known to the phone system. Check the number, or call IT staff.</source>
        <translation>电话系统中没有 %1。请核对号码，或联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="85"/>
        <source>The phone server did not answer. Check the network, then send again.</source>
        <translation>电话服务器无响应。请检查网络后重新发送。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="88"/>
        <source>The phone server refused the message (%1). Call IT staff.</source>
        <translation>电话服务器拒收该消息（%1）。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="91"/>
        <source>Not delivered (%1). Send again, or call IT staff if it goes on.</source>
        <translation>未送达（%1）。请重新发送；如仍未送达，请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="105"/>
        <source>Not sent: %1</source>
        <translation>未发送：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="115"/>
        <source>Not delivered</source>
        <translation>未送达</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="118"/>
        <source>Delivery unknown</source>
        <translation>送达情况不明</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="131"/>
        <source>The delivery state was not saved: %1</source>
        <translation>送达状态未能保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="138"/>
        <source>it does not come from a consulting judge</source>
        <translation>发送方不是咨询法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="140"/>
        <source>it is too long</source>
        <translation>内容过长</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="142"/>
        <source>it was sent by another version of the desktop</source>
        <translation>由其他版本的客户端发送</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="144"/>
        <source>its content is damaged</source>
        <translation>内容已损坏</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="145"/>
        <source>Unreadable message from %1: %2.</source>
        <translation>来自 %1 的消息无法读取：%2。</translation>
    </message>
</context>
<context>
    <name>ConsultInbox</name>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="78"/>
        <location filename="../../ui/desk/consult_inbox.py" line="374"/>
        <source>Asked</source>
        <translation>提问时间</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="78"/>
        <location filename="../../ui/desk/consult_inbox.py" line="371"/>
        <source>Seat</source>
        <translation>坐席</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="78"/>
        <location filename="../../ui/desk/consult_inbox.py" line="373"/>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="79"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="86"/>
        <source>Your answer to the seat</source>
        <translation>给坐席员的答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="92"/>
        <location filename="../../ui/desk/consult_inbox.py" line="402"/>
        <source>Send answer</source>
        <translation>发送答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="94"/>
        <source>Send again</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="96"/>
        <source>Send the same answer to the seat again</source>
        <translation>把同一答复再次发给坐席</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="107"/>
        <location filename="../../ui/desk/consult_inbox.py" line="376"/>
        <source>Answer</source>
        <translation>答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="108"/>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="109"/>
        <source>Legal basis</source>
        <translation>法律依据</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="159"/>
        <source>New question from %1.</source>
        <translation>%1 提交了新问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="184"/>
        <source>Consult call from %1; the context is on its way...</source>
        <translation>%1 发起咨询转接，相关信息正在传送…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="200"/>
        <source>Transferred caller %1 from %2</source>
        <translation>由 %2 转来的来电人 %1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="201"/>
        <source>Consult call from %2 about caller %1</source>
        <translation>%2 就来电人 %1 发起的咨询转接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="204"/>
        <source>case %1</source>
        <translation>案件 %1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="214"/>
        <source>Choose a question first.</source>
        <translation>请先选择一个问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="217"/>
        <location filename="../../ui/desk/consult_inbox.py" line="247"/>
        <source>This desk has no phone to send the answer with.</source>
        <translation>本工作台没有可用于发送答复的话机。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="229"/>
        <source>The answer is saved, but the question names no seat to send it to.</source>
        <translation>答复已保存，但该问题未注明坐席，无法发送。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="259"/>
        <source>The answer is saved but not sent: %1</source>
        <translation>答复已保存，但未发送：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="264"/>
        <source>Sending the answer to %1...</source>
        <translation>正在向 %1 发送答复…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="278"/>
        <source>%1 has the answer.</source>
        <translation>%1 已收到答复。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="283"/>
        <source>The answer is saved but did not reach the seat: %1</source>
        <translation>答复已保存，但未送达坐席：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="315"/>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="340"/>
        <source>sending the answer...</source>
        <translation>正在发送答复…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="342"/>
        <source>answer not delivered</source>
        <translation>答复未送达</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="344"/>
        <source>answer delivery unknown</source>
        <translation>答复送达情况不明</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="346"/>
        <source>answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="347"/>
        <source>by telephone</source>
        <translation>电话咨询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="347"/>
        <source>open</source>
        <translation>待答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="366"/>
        <source>No question selected.</source>
        <translation>未选择问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="368"/>
        <source>transfer of the caller</source>
        <translation>转接来电人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="369"/>
        <source>consult call</source>
        <translation>咨询转接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="370"/>
        <source>written question</source>
        <translation>书面提问</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="371"/>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="372"/>
        <source>Case number</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="372"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="373"/>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="377"/>
        <source>Answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="381"/>
        <source>The desk stopped before it learnt whether %1 got the answer. Send it again to be sure: the seat&apos;s desk does not list it twice.</source>
        <translation>本工作台在得知%1是否收到答复之前已停止。请重新发送以确保送达：坐席工作台不会重复显示。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="383"/>
        <source>the seat</source>
        <translation>坐席</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="424"/>
        <source>That question has no answer to send yet.</source>
        <translation>该问题还没有可发送的答复。</translation>
    </message>
    <message>
        <source>Not delivered</source>
        <translation type="vanished">未送达</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="401"/>
        <source>Send answer again</source>
        <translation>重新发送答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="419"/>
        <source>Type the answer first.</source>
        <translation>请先输入答复。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="420"/>
        <source>The answer is too long to send in one message: shorten it by about %1 characters.</source>
        <translation>答复过长，无法用一条消息发送：请删减约 %1 个字。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult_inbox.py" line="423"/>
        <source>That question is no longer in the store.</source>
        <translation>该问题已不存在。</translation>
    </message>
</context>
<context>
    <name>ConsultPage</name>
    <message>
        <location filename="../../ui/desk/consult.py" line="183"/>
        <source>What the caller asks, in the caller&apos;s words</source>
        <translation>来电人提出的问题（按来电人原话记录）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="185"/>
        <source>Send written question</source>
        <translation>发送书面提问</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="187"/>
        <source>Call the judge with this context</source>
        <translation>带上述信息呼叫法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="189"/>
        <source>Transfer the caller to the judge</source>
        <translation>将来电人转接给法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="194"/>
        <source>Ask the consulting judge</source>
        <translation>向咨询法官提问</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="196"/>
        <location filename="../../ui/desk/consult.py" line="552"/>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="197"/>
        <location filename="../../ui/desk/consult.py" line="553"/>
        <source>Case number</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="198"/>
        <location filename="../../ui/desk/consult.py" line="553"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="199"/>
        <source>Consulting judge</source>
        <translation>咨询法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="200"/>
        <location filename="../../ui/desk/consult.py" line="212"/>
        <location filename="../../ui/desk/consult.py" line="236"/>
        <location filename="../../ui/desk/consult.py" line="552"/>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="212"/>
        <source>Asked</source>
        <translation>提问时间</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="212"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="218"/>
        <source>Send again</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="220"/>
        <location filename="../../ui/desk/consult.py" line="233"/>
        <location filename="../../ui/desk/consult.py" line="586"/>
        <source>Save as knowledge-base article</source>
        <translation>存为知识库条目</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="237"/>
        <location filename="../../ui/desk/consult.py" line="561"/>
        <source>Answer</source>
        <translation>答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="238"/>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="239"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="240"/>
        <source>Legal basis</source>
        <translation>法律依据</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="280"/>
        <source>No call in hand.</source>
        <translation>当前没有通话。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="303"/>
        <location filename="../../ui/desk/consult.py" line="366"/>
        <source>No consulting judge is listed in the directory.</source>
        <translation>通讯录中没有咨询法官。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="306"/>
        <location filename="../../ui/desk/consult.py" line="369"/>
        <source>This desk has no phone to send the question with.</source>
        <translation>本工作台没有可用于发送问题的话机。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="310"/>
        <source>There is no caller on the line to transfer.</source>
        <translation>当前线路上没有可转接的来电人。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="337"/>
        <source>Not sent: %1</source>
        <translation>未发送：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="340"/>
        <source>Sending the question to %1...</source>
        <translation>正在向 %1 发送问题…</translation>
    </message>
    <message>
        <source>The delivery state was not saved: %1</source>
        <translation type="vanished">发送状态未能保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="400"/>
        <source>Calling %1; the context is on the judge&apos;s screen.</source>
        <translation>正在呼叫 %1；相关信息已显示在法官屏幕上。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="406"/>
        <source>%1 has the question. The answer will appear below.</source>
        <translation>%1 已收到问题。答复将显示在下方。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="413"/>
        <source>The caller has hung up; %1 has the question in writing.</source>
        <translation>来电人已挂断；%1 已收到书面问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="419"/>
        <source>The transfer failed: %1. %2 has the question in writing.</source>
        <translation>转接失败：%1。%2 已收到书面问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="422"/>
        <source>Transferring the caller to %1 with the context.</source>
        <translation>正在将来电人连同相关信息转接给 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="447"/>
        <source>%1 answered: %2</source>
        <translation>%1 答复：%2</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="466"/>
        <source>Not saved in the knowledge base: %1</source>
        <translation>未存入知识库：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="469"/>
        <source>Saved in the knowledge base: “%1”.</source>
        <translation>已存入知识库：“%1”。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="493"/>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="516"/>
        <source>answered by %1</source>
        <translation>%1 已答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="518"/>
        <source> · in the knowledge base</source>
        <translation> · 已存入知识库</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="521"/>
        <source>sending...</source>
        <translation>发送中…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="523"/>
        <source>not delivered</source>
        <translation>未送达</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="525"/>
        <source>delivery unknown</source>
        <translation>送达情况不明</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="526"/>
        <source>waiting for the answer</source>
        <translation>等待答复</translation>
    </message>
    <message>
        <source>Not delivered</source>
        <translation type="vanished">未送达</translation>
    </message>
    <message>
        <source>Delivery unknown</source>
        <translation type="vanished">送达情况不明</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="557"/>
        <source>The desk stopped before it learnt whether %1 got the question. Send it again to be sure: the judge&apos;s desk does not list it twice.</source>
        <translation>本席位在得知%1是否收到问题之前已关闭。请重新发送以确保送达：法官端不会重复列出同一问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="559"/>
        <source>the judge</source>
        <translation>法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="562"/>
        <source>Answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="584"/>
        <source>Update the knowledge-base article</source>
        <translation>更新知识库条目</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="599"/>
        <source>Type the question first.</source>
        <translation>请先输入问题。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="600"/>
        <source>The question and the notes are too long to send in one message: shorten them by about %1 characters.</source>
        <translation>问题和备注过长，无法用一条消息发送：请删减约 %1 个字。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="603"/>
        <source>That question is no longer in the store.</source>
        <translation>该问题已不存在。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="604"/>
        <source>This desk has no knowledge base.</source>
        <translation>本工作台没有知识库。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/consult.py" line="609"/>
        <source>An article needs a question and an answer.</source>
        <translation>知识库条目须填写问题和解答。</translation>
    </message>
</context>
<context>
    <name>CourtTile</name>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="84"/>
        <source>stale %1</source>
        <translation>未更新 %1</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="88"/>
        <source>Queue: no data yet</source>
        <translation>队列：暂无数据</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="91"/>
        <source>Waiting %1, longest %2 | answered %3, abandoned %4 | service level %5%</source>
        <translation>排队 %1，最长等待 %2 | 接通 %3，放弃 %4 | 服务水平 %5%</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="96"/>
        <source>borrowed %1, lent %2</source>
        <translation>借入 %1，借出 %2</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/tiles.py" line="98"/>
        <source>(stale) %1</source>
        <translation>（未更新）%1</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <location filename="../../ui/main.py" line="96"/>
        <source>Working on this PC&apos;s own data for now: %1</source>
        <translation>暂时使用本机数据工作：%1</translation>
    </message>
    <message>
        <location filename="../../ui/main.py" line="158"/>
        <source>No sound on this PC: %1 Calls still work; the other side hears silence.</source>
        <translation>本机无法使用声音：%1 通话仍可进行，但对方听不到声音。</translation>
    </message>
</context>
<context>
    <name>DeskContext</name>
    <message>
        <location filename="../../ui/desk/context.py" line="96"/>
        <source>This desk has no softphone to dial with.</source>
        <translation>本工作台没有可用于拨号的软电话。</translation>
    </message>
</context>
<context>
    <name>Diagnostics</name>
    <message>
        <location filename="../../ui/diagnostics.py" line="154"/>
        <source>Export diagnostics</source>
        <translation>导出诊断信息</translation>
    </message>
    <message>
        <location filename="../../ui/diagnostics.py" line="156"/>
        <source>Zip files (*.zip)</source>
        <translation>Zip 压缩文件 (*.zip)</translation>
    </message>
    <message>
        <location filename="../../ui/diagnostics.py" line="162"/>
        <source>Could not export: %1</source>
        <translation>无法导出：%1</translation>
    </message>
    <message>
        <location filename="../../ui/diagnostics.py" line="165"/>
        <source>Saved to %1. Send this file to IT; it holds no password.</source>
        <translation>已保存到 %1。请将此文件发给信息技术部门；其中不含任何密码。</translation>
    </message>
</context>
<context>
    <name>DialPad</name>
    <message>
        <location filename="../../ui/softphone/dialpad.py" line="27"/>
        <source>Number or name (Ctrl+D)</source>
        <translation>号码或姓名 (Ctrl+D)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/dialpad.py" line="43"/>
        <source>Call</source>
        <translation>呼叫</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="40"/>
        <source>In/Out</source>
        <translation>呼入/呼出</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="40"/>
        <source>Peer</source>
        <translation>对方</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="40"/>
        <source>Start</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="41"/>
        <source>Duration</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="41"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="45"/>
        <source>in progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="47"/>
        <source>answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="48"/>
        <source>missed</source>
        <translation>未接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="49"/>
        <source>rejected</source>
        <translation>已拒接</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="50"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="51"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="62"/>
        <source>in</source>
        <translation>呼入</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="62"/>
        <source>out</source>
        <translation>呼出</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <location filename="../../ui/softphone/history_view.py" line="87"/>
        <source>Search history: number, name, reason (Ctrl+F)</source>
        <translation>搜索通话记录：号码、姓名、原因 (Ctrl+F)</translation>
    </message>
</context>
<context>
    <name>IncomingCallPopup</name>
    <message>
        <location filename="../../ui/softphone/incoming.py" line="24"/>
        <location filename="../../ui/softphone/incoming.py" line="48"/>
        <source>Incoming call</source>
        <translation>来电</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/incoming.py" line="39"/>
        <source>Answer (F5)</source>
        <translation>接听 (F5)</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/incoming.py" line="42"/>
        <source>Reject</source>
        <translation>拒接</translation>
    </message>
</context>
<context>
    <name>JudgeDesk</name>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="78"/>
        <source>Consult inbox</source>
        <translation>咨询收件箱</translation>
    </message>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="79"/>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="80"/>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="81"/>
        <source>Daily report</source>
        <translation>日报</translation>
    </message>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="85"/>
        <source>Judge&apos;s desk (Ctrl+J)</source>
        <translation>法官工作台 (Ctrl+J)</translation>
    </message>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="101"/>
        <source>Could not call %1: %2</source>
        <translation>无法呼叫 %1：%2</translation>
    </message>
</context>
<context>
    <name>JudgeDeskWindow</name>
    <message>
        <location filename="../../ui/desk/judge_desk.py" line="30"/>
        <source>12368 Hotline - Consulting judge&apos;s desk</source>
        <translation>12368 诉讼服务热线 - 咨询法官工作台</translation>
    </message>
</context>
<context>
    <name>KnowledgeEditor</name>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="62"/>
        <source>Filter: type a word</source>
        <translation>筛选：输入关键词</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="65"/>
        <location filename="../../ui/desk/kb_editor.py" line="230"/>
        <source>New article</source>
        <translation>新建条目</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="67"/>
        <source>Import...</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="69"/>
        <source>Export...</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="79"/>
        <source>separated by 、 or spaces</source>
        <translation>用“、”或空格分隔</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="87"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="89"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="106"/>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="107"/>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="108"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="109"/>
        <source>Legal basis</source>
        <translation>法律依据</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="110"/>
        <source>Answer</source>
        <translation>解答</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="193"/>
        <location filename="../../ui/desk/kb_editor.py" line="222"/>
        <source>Discard the changes to this article?</source>
        <translation>放弃对此条目的修改？</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="213"/>
        <source>Last updated by %1 on %2</source>
        <translation>最后由 %1 于 %2 更新</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="249"/>
        <source>An article needs a question and an answer.</source>
        <translation>知识库条目须填写问题和解答。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="254"/>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="259"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="267"/>
        <source>Delete the article “%1”?</source>
        <translation>删除条目“%1”？</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="272"/>
        <source>Not deleted: %1</source>
        <translation>未删除：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="278"/>
        <source>Deleted.</source>
        <translation>已删除。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="291"/>
        <source>Not imported: the file is not UTF-8 text.</source>
        <translation>未导入：文件不是 UTF-8 文本。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="294"/>
        <source>Not imported: the file does not have the expected shape (%1).</source>
        <translation>未导入：文件格式不符合要求（%1）。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="298"/>
        <source>Not imported: the file could not be read (%1).</source>
        <translation>未导入：无法读取文件（%1）。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="302"/>
        <source>Not imported: %1</source>
        <translation>未导入：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="305"/>
        <source>Imported: %1 new, %2 replaced.</source>
        <translation>已导入：新增 %1 条，替换 %2 条。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="318"/>
        <source>Not exported: the file could not be written (%1).</source>
        <translation>未导出：无法写入文件（%1）。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="322"/>
        <source>Not exported: %1</source>
        <translation>未导出：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="324"/>
        <source>Exported to %1.</source>
        <translation>已导出到 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="330"/>
        <source>Knowledge base (*.md *.csv);;Markdown (*.md);;CSV (*.csv)</source>
        <translation>知识库 (*.md *.csv);;Markdown (*.md);;CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="333"/>
        <source>Import articles</source>
        <translation>导入条目</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="337"/>
        <source>Export the knowledge base</source>
        <translation>导出知识库</translation>
    </message>
    <message>
        <location filename="../../ui/desk/kb_editor.py" line="342"/>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
</context>
<context>
    <name>KnowledgePage</name>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="155"/>
        <source>Search the knowledge base: type a word or a phrase</source>
        <translation>搜索知识库：输入字词或短语</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="172"/>
        <source>Not answered here? Ask the consulting judge</source>
        <translation>这里找不到答案？向咨询法官提问</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="220"/>
        <source>No article matches “%1”.</source>
        <translation>没有与“%1”匹配的条目。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="224"/>
        <source>%1 articles</source>
        <translation>共 %1 条</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="230"/>
        <source>Type what the caller asks about, e.g. 上诉, 费, 诉讼费用. Results appear as you type.</source>
        <translation>输入来电人询问的内容，例如：上诉、费、诉讼费用。边输入边显示结果。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="259"/>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="261"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="263"/>
        <source>Legal basis</source>
        <translation>法律依据</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="266"/>
        <source>Updated</source>
        <translation>更新</translation>
    </message>
    <message>
        <location filename="../../ui/desk/knowledge.py" line="267"/>
        <source>%1 on %2</source>
        <translation>%1 于 %2</translation>
    </message>
</context>
<context>
    <name>LevelMeter</name>
    <message>
        <location filename="../../ui/softphone/level_meter.py" line="28"/>
        <source>Mic</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/level_meter.py" line="30"/>
        <source>Speaker</source>
        <translation>扬声器</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../ui/messages.py" line="20"/>
        <source>The disk is full, so the call history could not be saved. Free some disk space or call IT staff.</source>
        <translation>磁盘已满，通话记录未能保存。请清理磁盘空间，或联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="22"/>
        <source>The data file is read-only, so nothing can be saved. Call IT staff to check the file permissions.</source>
        <translation>数据文件为只读，无法保存任何内容。请联系信息技术人员检查文件权限。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="24"/>
        <source>The data file is in use by another program. Close other copies of the desktop and try again.</source>
        <translation>数据文件正被其他程序使用。请关闭其他已打开的客户端后重试。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="26"/>
        <source>The data file is damaged. Call IT staff to restore it from a backup.</source>
        <translation>数据文件已损坏。请联系信息技术人员从备份中恢复。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="28"/>
        <source>The data file could not be opened. Call IT staff.</source>
        <translation>无法打开数据文件。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="29"/>
        <source>The disk reported an error while saving. Call IT staff.</source>
        <translation>保存时磁盘报错。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="31"/>
        <source>The data file was written by a newer version of the desktop. Install the newer version or call IT staff.</source>
        <translation>数据文件由更新版本的客户端写入。请安装新版本，或联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="34"/>
        <source>The data file is not open.</source>
        <translation>数据文件未打开。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="35"/>
        <source>The shared database server cannot be reached, so nothing could be saved or looked up. Try again in a moment; if it keeps happening, call IT staff.</source>
        <translation>无法连接共享数据库服务器，无法保存或查询任何内容。请稍后重试；如问题持续，请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="39"/>
        <source>The shared database server refused this desk. Call IT staff to check the desk&apos;s database account.</source>
        <translation>共享数据库服务器拒绝了本工作台的连接。请联系信息技术人员检查本工作台的数据库账号。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="42"/>
        <source>The shared database server is busy. Try again in a moment; if it keeps happening, call IT staff.</source>
        <translation>共享数据库服务器繁忙。请稍后重试；如问题持续，请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="44"/>
        <source>The shared database server is out of space, so nothing could be saved. Call IT staff.</source>
        <translation>共享数据库服务器存储空间已满，无法保存任何内容。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="46"/>
        <source>The shared database is read-only at the moment (maintenance), so nothing could be saved. Try again later or call IT staff.</source>
        <translation>共享数据库目前为只读（正在维护），无法保存任何内容。请稍后重试，或联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="49"/>
        <source>The shared database was upgraded by a newer version of the desktop. Install the newer version or call IT staff.</source>
        <translation>共享数据库已由更新版本的客户端升级。请安装新版本，或联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="52"/>
        <source>The shared database server reported an error. Call IT staff.</source>
        <translation>共享数据库服务器报错。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="54"/>
        <source>The shared database address in the site settings is not valid. Call IT staff.</source>
        <translation>站点设置中的共享数据库地址无效。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="56"/>
        <source>The shared database must be upgraded for this version of the desktop. Call IT staff.</source>
        <translation>共享数据库需要升级才能配合此版本的客户端使用。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="59"/>
        <source>Saving or reading local data failed. Call IT staff.</source>
        <translation>本地数据保存或读取失败。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="64"/>
        <source>Too many calls at once: end or transfer one first.</source>
        <translation>同时通话过多：请先结束或转接其中一路。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="66"/>
        <source>That call has already ended.</source>
        <translation>该通话已结束。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="67"/>
        <source>No phone account is set up: open Settings.</source>
        <translation>尚未设置电话账号：请打开“设置”。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="69"/>
        <source>The phone is not started yet.</source>
        <translation>话机尚未启动。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="70"/>
        <source>Another phone is already running in this program.</source>
        <translation>本程序中已有另一个话机在运行。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="86"/>
        <source>The phone account settings are incomplete: %1</source>
        <translation>电话账号设置不完整：%1</translation>
    </message>
</context>
<context>
    <name>OverflowPanel</name>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="39"/>
        <source>Overflow: lend seats to the main platform</source>
        <translation>溢出调度：向总平台借调坐席</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="49"/>
        <source>One seat (number):</source>
        <translation>单个坐席（号码）：</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="55"/>
        <source>seat number</source>
        <translation>坐席号码</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="61"/>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="62"/>
        <source>Lend</source>
        <translation>借调</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="64"/>
        <source>End lending</source>
        <translation>结束借调</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="80"/>
        <source> waiting</source>
        <translation> 人</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="81"/>
        <location filename="../../ui/wallboard/overflow.py" line="84"/>
        <source>never</source>
        <translation>不启用</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="82"/>
        <source>Overflow while more than this many callers wait (0: never)</source>
        <translation>排队人数超过此值时溢出（0：不启用）</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="83"/>
        <location filename="../../ui/wallboard/overflow.py" line="86"/>
        <location filename="../../ui/wallboard/overflow.py" line="88"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="85"/>
        <source>... or while the longest wait reaches this (0: never)</source>
        <translation>…或最长等待时间达到此值时溢出（0：不启用）</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="87"/>
        <source>Longest a caller waits before the queue&apos;s fallback</source>
        <translation>来电人最长排队时间，超时后按队列的后备方式处理</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="89"/>
        <source>How long a seat rings before the call moves to the next seat</source>
        <translation>坐席振铃多长时间后转到下一个坐席</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="90"/>
        <source>Apply thresholds</source>
        <translation>应用阈值</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="92"/>
        <source>Reload</source>
        <translation>重新读取</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="100"/>
        <source>Thresholds of</source>
        <translation>阈值设置：</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="102"/>
        <source>overflow above</source>
        <translation>溢出：排队超过</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="102"/>
        <source>or after</source>
        <translation>或等待超过</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="103"/>
        <source>max wait</source>
        <translation>最长等待</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="103"/>
        <source>ring</source>
        <translation>振铃</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="124"/>
        <source>Choose a sub-platform or type a seat number.</source>
        <translation>请选择分平台或输入坐席号码。</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="127"/>
        <location filename="../../ui/wallboard/overflow.py" line="170"/>
        <source>Sending...</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="131"/>
        <location filename="../../ui/wallboard/overflow.py" line="167"/>
        <location filename="../../ui/wallboard/overflow.py" line="197"/>
        <source>Not sent: %1</source>
        <translation>未发送：%1</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="133"/>
        <source>Done.</source>
        <translation>已完成。</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="135"/>
        <location filename="../../ui/wallboard/overflow.py" line="201"/>
        <source>Refused by the queue server: %1 %2</source>
        <translation>排队服务器拒绝：%1 %2</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="156"/>
        <source>Reading...</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="182"/>
        <location filename="../../ui/wallboard/overflow.py" line="191"/>
        <source>Could not read the thresholds: %1</source>
        <translation>无法读取阈值：%1</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="185"/>
        <source>Could not read the thresholds: %1 %2</source>
        <translation>无法读取阈值：%1 %2</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="207"/>
        <source>Applied.</source>
        <translation>已应用。</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/overflow.py" line="211"/>
        <source>Applied: overflow above %1 waiting or after %2 s, max wait %3 s, ring %4 s.</source>
        <translation>已应用：排队超过 %1 人或等待超过 %2 秒时溢出，最长等待 %3 秒，振铃 %4 秒。</translation>
    </message>
</context>
<context>
    <name>PhoneController</name>
    <message>
        <location filename="../../ui/softphone/controller.py" line="73"/>
        <source>The call history could not be saved: %1</source>
        <translation>通话记录未能保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/controller.py" line="83"/>
        <source>The ringer could not play: %1</source>
        <translation>振铃设备无法响铃：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/controller.py" line="94"/>
        <source>Sound device problem: %1. The call goes on.</source>
        <translation>音频设备故障：%1。通话继续进行。</translation>
    </message>
</context>
<context>
    <name>PresenceFeed</name>
    <message>
        <location filename="../../ui/wallboard/feed.py" line="324"/>
        <source>Seat states are not being received (the presence watcher stopped); every seat shows as stale until it is running again. Restarting it...</source>
        <translation>未能接收坐席状态（状态监听进程已停止）；恢复前所有坐席均显示为过期状态。正在重新启动……</translation>
    </message>
</context>
<context>
    <name>RegistrationBadge</name>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="27"/>
        <source>No account set up</source>
        <translation>尚未设置账号</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="31"/>
        <source>Registered as %1</source>
        <translation>已注册：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="32"/>
        <source>Registering %1 ...</source>
        <translation>正在注册 %1 ...</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="33"/>
        <source>Connection to the server lost (%2) - retrying by itself</source>
        <translation>与服务器的连接已断开（%2），正在自动重试</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="34"/>
        <source>Registration refused: %2</source>
        <translation>注册被拒绝：%2</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="35"/>
        <source>Not registered</source>
        <translation>未注册</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/registration_badge.py" line="39"/>
        <source>wrong user name or password (%1 %2)</source>
        <translation>用户名或密码错误（%1 %2）</translation>
    </message>
</context>
<context>
    <name>ReportPage</name>
    <message>
        <location filename="../../ui/desk/report.py" line="88"/>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="90"/>
        <source>Export HTML…</source>
        <translation>导出 HTML…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="92"/>
        <source>Export PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="101"/>
        <location filename="../../ui/desk/report.py" line="119"/>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="118"/>
        <source>12368 hotline: daily report</source>
        <translation>12368 诉讼服务热线日报</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="119"/>
        <source>For the 16:00 training hour</source>
        <translation>供 16:00 培训讲评使用</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="120"/>
        <source>Generated at</source>
        <translation>生成时间</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="120"/>
        <source>Summary</source>
        <translation>概况</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="121"/>
        <source>Incoming calls</source>
        <translation>呼入来电</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="121"/>
        <location filename="../../ui/desk/report.py" line="150"/>
        <source>Answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="122"/>
        <location filename="../../ui/desk/report.py" line="151"/>
        <source>Missed</source>
        <translation>未接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="122"/>
        <source>Declined by the seat</source>
        <translation>坐席拒接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="123"/>
        <source>Outgoing calls</source>
        <translation>呼出电话</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="124"/>
        <source>Outgoing calls connected</source>
        <translation>呼出接通</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="125"/>
        <source>Abandoned in a queue</source>
        <translation>排队中放弃</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="126"/>
        <source>Answered without a wrap-up</source>
        <translation>已接听但无话后记录</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="127"/>
        <source>Offers not answered by one seat, answered by another</source>
        <translation>一个坐席未接、由其他坐席接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="128"/>
        <source>Calls by court</source>
        <translation>按法院统计</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="128"/>
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="129"/>
        <source>(not known)</source>
        <translation>（不详）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="129"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="130"/>
        <source>Calls by category</source>
        <translation>按类别统计</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="130"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="131"/>
        <source>Calls</source>
        <translation>通话数</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="131"/>
        <source>Calls by outcome</source>
        <translation>按结果统计</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="132"/>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="132"/>
        <source>Incoming</source>
        <translation>呼入</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="133"/>
        <source>Outgoing</source>
        <translation>呼出</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="133"/>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="134"/>
        <source>Escalations: the urgent ladder</source>
        <translation>紧急逐级联系</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="135"/>
        <source>Work orders sent</source>
        <translation>已派工单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="136"/>
        <source>Difficult questions and the consulting judge&apos;s answers</source>
        <translation>疑难问题及咨询法官答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="137"/>
        <source>Missed calls</source>
        <translation>未接来电</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="138"/>
        <source>Abandoned while waiting in a queue</source>
        <translation>排队等待中放弃的来电</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="138"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="139"/>
        <source>Seat</source>
        <translation>坐席</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="139"/>
        <source>Case</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="139"/>
        <source>Whom</source>
        <translation>联系对象</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="139"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="140"/>
        <source>Number</source>
        <translation>号码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="140"/>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="140"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="141"/>
        <source>Seats rung</source>
        <translation>振铃坐席</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="141"/>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="141"/>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="142"/>
        <source>Answer</source>
        <translation>答复</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="142"/>
        <source>Answered by</source>
        <translation>答复人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="143"/>
        <source>(not answered yet)</source>
        <translation>（尚未答复）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="143"/>
        <source>To</source>
        <translation>接收人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="144"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="144"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="144"/>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="145"/>
        <source>Case enquiry</source>
        <translation>案件查询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="146"/>
        <source>Contact a judge</source>
        <translation>联系法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="147"/>
        <source>Legal question</source>
        <translation>法律咨询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="148"/>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="149"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="149"/>
        <source>No wrap-up saved</source>
        <translation>未保存话后记录</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="152"/>
        <source>Declined</source>
        <translation>拒接</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="153"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="154"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="155"/>
        <source>Case judge</source>
        <translation>承办法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="155"/>
        <source>Division office</source>
        <translation>庭室办公室</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="156"/>
        <source>Division chief</source>
        <translation>庭长</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="156"/>
        <source>answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="157"/>
        <source>no answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="157"/>
        <source>busy</source>
        <translation>占线</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="158"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="158"/>
        <source>normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="159"/>
        <source>urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="159"/>
        <source>sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="160"/>
        <source>acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="160"/>
        <source>done</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="161"/>
        <source>overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="161"/>
        <source>cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="177"/>
        <source>The report could not be built: %1</source>
        <translation>无法生成日报：%1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="202"/>
        <location filename="../../ui/desk/report.py" line="217"/>
        <source>The file could not be written: %1. Choose another folder.</source>
        <translation>无法写入文件：%1。请选择其他文件夹。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="205"/>
        <location filename="../../ui/desk/report.py" line="220"/>
        <source>Saved to %1</source>
        <translation>已保存到 %1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="228"/>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="228"/>
        <source>Web pages (*.html)</source>
        <translation>网页 (*.html)</translation>
    </message>
    <message>
        <location filename="../../ui/desk/report.py" line="229"/>
        <source>Export the daily report</source>
        <translation>导出日报</translation>
    </message>
</context>
<context>
    <name>SeatDesk</name>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="89"/>
        <source>Caller &amp;&amp; case</source>
        <translation>来电人&amp;&amp;案件</translation>
    </message>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="113"/>
        <source>Wrap-up</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="134"/>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="136"/>
        <source>Ask the consulting judge</source>
        <translation>咨询法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="155"/>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="163"/>
        <source>Daily report</source>
        <translation>日报</translation>
    </message>
    <message>
        <location filename="../../ui/desk/seat_desk.py" line="186"/>
        <source>Work orders &amp;&amp; escalation</source>
        <translation>工单&amp;&amp;逐级联系</translation>
    </message>
</context>
<context>
    <name>SeatRole</name>
    <message>
        <location filename="../../ui/roles.py" line="76"/>
        <source>Queue: no data yet</source>
        <translation>排队：暂无数据</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="100"/>
        <source>Queue: %1 waiting, longest %2, answered %3, abandoned %4</source>
        <translation>排队 %1，最长等待 %2，已接通 %3，已放弃 %4</translation>
    </message>
</context>
<context>
    <name>SeatState</name>
    <message>
        <location filename="../../ui/wallboard/window.py" line="177"/>
        <source>signed out</source>
        <translation>已签出</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="178"/>
        <source>ready</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="179"/>
        <source>not ready</source>
        <translation>示忙</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="180"/>
        <source>ringing</source>
        <translation>振铃</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="181"/>
        <source>talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="182"/>
        <source>on hold</source>
        <translation>保持</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="183"/>
        <source>wrap-up</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="184"/>
        <source>break</source>
        <translation>休息</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="185"/>
        <source>meal</source>
        <translation>用餐</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="186"/>
        <source>training</source>
        <translation>培训</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="187"/>
        <source>meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="188"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="189"/>
        <source>no answer</source>
        <translation>未接听</translation>
    </message>
</context>
<context>
    <name>SeatStatePanel</name>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="30"/>
        <source>Ready</source>
        <translation>示闲</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="33"/>
        <source>Not ready</source>
        <translation>示忙</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="42"/>
        <source>End wrap-up</source>
        <translation>结束话后处理</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="73"/>
        <source>then: %1</source>
        <translation>之后：%1</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="78"/>
        <source>Sign in</source>
        <translation>签入</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/seat_panel.py" line="78"/>
        <source>Sign out</source>
        <translation>签出</translation>
    </message>
</context>
<context>
    <name>SeatTableModel</name>
    <message>
        <location filename="../../ui/wallboard/model.py" line="165"/>
        <source>Seat</source>
        <translation>坐席</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="165"/>
        <source>Number</source>
        <translation>号码</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="165"/>
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="165"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="166"/>
        <source>Time in state</source>
        <translation>状态时长</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="166"/>
        <source>Call</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="166"/>
        <source>Calls today</source>
        <translation>今日通话数</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="202"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/model.py" line="209"/>
        <source>%1 (stale, %2 ago)</source>
        <translation>%1（已 %2 未更新）</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="26"/>
        <source>Phone settings</source>
        <translation>话机设置</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="39"/>
        <source>Answer calls automatically after a short beep</source>
        <translation>短提示音后自动接听来电</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="41"/>
        <source>Note: TLS here uses the OpenSSL 1.0.2 bundled with the SIP library.</source>
        <translation>注意：此处的 TLS 使用 SIP 库自带的 OpenSSL 1.0.2。</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="51"/>
        <source>Set by your IT department</source>
        <translation>由本院信息技术部门统一设置</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="54"/>
        <source>SIP account</source>
        <translation>SIP 账号</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="56"/>
        <location filename="../../ui/softphone/settings_dialog.py" line="123"/>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="57"/>
        <location filename="../../ui/softphone/settings_dialog.py" line="123"/>
        <source>User (seat number)</source>
        <translation>用户名（坐席号）</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="58"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="59"/>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="60"/>
        <source>Transport</source>
        <translation>传输协议</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="62"/>
        <source>Outbound proxy</source>
        <translation>出站代理</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="69"/>
        <source>Headset and ringer</source>
        <translation>耳机与振铃设备</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="71"/>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="72"/>
        <source>Speaker</source>
        <translation>扬声器</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="73"/>
        <source>Ringer</source>
        <translation>振铃设备</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="75"/>
        <source>No sound device found: calls work, but without sound on this PC.</source>
        <translation>未找到音频设备：可以通话，但本机没有声音。</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="85"/>
        <source>Export diagnostics...</source>
        <translation>导出诊断信息...</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="102"/>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/settings_dialog.py" line="124"/>
        <source>Please check: %1</source>
        <translation>请检查：%1</translation>
    </message>
</context>
<context>
    <name>SoftphoneWindow</name>
    <message>
        <location filename="../../ui/softphone/window.py" line="38"/>
        <source>12368 Hotline - Seat</source>
        <translation>12368 诉讼服务热线 - 坐席</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="44"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="47"/>
        <source>Register again</source>
        <translation>重新注册</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="50"/>
        <source>Headset test (echo)</source>
        <translation>耳机测试（回声测试）</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="66"/>
        <source>Call history</source>
        <translation>通话记录</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="151"/>
        <source>Could not call %1: %2</source>
        <translation>无法呼叫 %1：%2</translation>
    </message>
    <message>
        <location filename="../../ui/softphone/window.py" line="196"/>
        <source>Call from the %1 queue: you are answering for another platform</source>
        <translation>来自%1排队的来电：您正在为其他平台接听</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="84"/>
        <source>My team</source>
        <translation>本院坐席</translation>
    </message>
</context>
<context>
    <name>TodayCharts</name>
    <message>
        <location filename="../../ui/wallboard/charts.py" line="38"/>
        <source>Calls waiting</source>
        <translation>排队来电数</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/charts.py" line="44"/>
        <source>Answered / abandoned per 15 minutes</source>
        <translation>每 15 分钟接通 / 放弃量</translation>
    </message>
</context>
<context>
    <name>WallboardWindow</name>
    <message>
        <location filename="../../ui/wallboard/window.py" line="197"/>
        <source>12368 Hotline - Wallboard</source>
        <translation>12368 诉讼服务热线 - 监控大屏</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="231"/>
        <source>All courts</source>
        <translation>全部法院</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="236"/>
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="239"/>
        <source>stale</source>
        <translation>未更新</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="253"/>
        <source>Sound</source>
        <translation>声音提示</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="268"/>
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="270"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="273"/>
        <source>Alert when calls waiting reach</source>
        <translation>排队告警阈值（来电数）</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="275"/>
        <source>or the longest wait reaches</source>
        <translation>或最长等待达到</translation>
    </message>
    <message>
        <location filename="../../ui/wallboard/window.py" line="338"/>
        <source>Queue alert: %1</source>
        <translation>排队告警：%1</translation>
    </message>
</context>
<context>
    <name>WorkOrderModel</name>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="84"/>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="84"/>
        <source>Case</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="84"/>
        <source>To</source>
        <translation>接收人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="84"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="85"/>
        <source>Due</source>
        <translation>办理期限</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="85"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="85"/>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="88"/>
        <location filename="../../ui/desk/work_orders.py" line="94"/>
        <source>sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="88"/>
        <source>acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="89"/>
        <source>done</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="89"/>
        <source>overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="90"/>
        <source>cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="93"/>
        <source>sending...</source>
        <translation>发送中…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="94"/>
        <source>SMS failed</source>
        <translation>短信发送失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="104"/>
        <source>urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="104"/>
        <source>normal</source>
        <translation>普通</translation>
    </message>
</context>
<context>
    <name>WorkOrdersPage</name>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="151"/>
        <source>Case number (linked after a lookup)</source>
        <translation>案号（查询案件后自动关联）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="155"/>
        <source>...or find a judge by name or number</source>
        <translation>…或按姓名、号码查找法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="173"/>
        <source>What is the judge asked to do? (Never write an ID number here.)</source>
        <translation>需要法官办理什么事项？（此处切勿填写身份证号。）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="179"/>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="180"/>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="190"/>
        <source>Send work order</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="201"/>
        <source>Dispatch a work order</source>
        <translation>派发工单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="203"/>
        <source>To</source>
        <translation>接收人</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="204"/>
        <source>Mobile for the SMS</source>
        <translation>接收短信的手机</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="205"/>
        <source>Caller&apos;s name</source>
        <translation>来电人姓名</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="206"/>
        <source>Caller&apos;s number</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="207"/>
        <source>Request</source>
        <translation>事项</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="208"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="209"/>
        <source>Due by</source>
        <translation>办理期限</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="210"/>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="215"/>
        <source>Urgent: phone down the ladder</source>
        <translation>紧急：逐级电话联系</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="221"/>
        <source>Send work order instead</source>
        <translation>改为派单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="240"/>
        <source>Open orders only</source>
        <translation>仅显示未办结工单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="246"/>
        <source>Note (who replied, how)</source>
        <translation>备注（谁答复、如何答复）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="247"/>
        <source>Acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="249"/>
        <source>Done</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="251"/>
        <source>Cancel order</source>
        <translation>撤销工单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="253"/>
        <source>Resend SMS</source>
        <translation>重发短信</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="269"/>
        <source>Work orders</source>
        <translation>工单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="278"/>
        <source>Case</source>
        <translation>案号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="343"/>
        <source>No judge found for %1.</source>
        <translation>未找到与“%1”匹配的法官。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="357"/>
        <source>Judge %1</source>
        <translation>%1 法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="358"/>
        <source>%1 (SMS to the division chief)</source>
        <translation>%1（短信发给庭长）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="363"/>
        <source>No case linked. Look the case up first, or find the judge by name.</source>
        <translation>尚未关联案件。请先查询案件，或按姓名查找法官。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="366"/>
        <source>The directory has no judge %1 for this case: find the judge by name.</source>
        <translation>通讯录中没有本案的法官 %1：请按姓名查找法官。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="416"/>
        <source>%1 (%2 SMS)</source>
        <translation>%1（%2 条短信）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="432"/>
        <source>Work order %1 sent to %2.</source>
        <translation>工单 %1 已发送给 %2。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="444"/>
        <source>Write the request and send the urgent order.</source>
        <translation>请填写事项并发送紧急工单。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="460"/>
        <source>Work order %1: the SMS was not sent. %2</source>
        <translation>工单 %1：短信未发送。%2</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="470"/>
        <source>The SMS centre could not be reached. The order is saved: use Resend SMS later, or phone the judge. If it keeps failing, call IT staff.</source>
        <translation>无法连接短信中心。工单已保存：请稍后点击“重发短信”，或直接致电法官。如仍失败，请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="473"/>
        <source>The SMS centre did not answer in time. The order is saved: use Resend SMS later.</source>
        <translation>短信中心响应超时。工单已保存：请稍后点击“重发短信”。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="475"/>
        <source>The SMS centre refused this desk&apos;s login. The order is saved; call IT staff to check the SMS settings.</source>
        <translation>短信中心拒绝了本工作台的登录。工单已保存；请联系信息技术人员检查短信设置。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="477"/>
        <source>The SMS centre refused the message. Check the mobile number, or phone the judge.</source>
        <translation>短信中心拒收该短信。请核对手机号码，或直接致电法官。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="479"/>
        <source>The mobile number is not valid for SMS.</source>
        <translation>该手机号码无法接收短信。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="480"/>
        <source>The SMS centre is busy. Use Resend SMS in a minute.</source>
        <translation>短信中心繁忙。请过一分钟后点击“重发短信”。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="481"/>
        <source>SMS sending is not set up on this desk. Call IT staff.</source>
        <translation>本工作台未配置短信发送。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="482"/>
        <source>The SMS centre gave an unexpected answer. Call IT staff.</source>
        <translation>短信中心返回异常结果。请联系信息技术人员。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="514"/>
        <source>Select a work order first.</source>
        <translation>请先选择一个工单。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="556"/>
        <source>to %1, %2 part(s)</source>
        <translation>发至 %1，共 %2 条</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="562"/>
        <source>(overdue)</source>
        <translation>（已逾期）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="562"/>
        <source>(due soon)</source>
        <translation>（即将到期）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="570"/>
        <source>created</source>
        <translation>已创建</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="570"/>
        <source>SMS sent</source>
        <translation>短信已发送</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="571"/>
        <source>SMS failed</source>
        <translation>短信发送失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="571"/>
        <source>reminder</source>
        <translation>提醒</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="572"/>
        <source>acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="572"/>
        <source>done</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="573"/>
        <source>overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="573"/>
        <source>cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="587"/>
        <source>Case judge</source>
        <translation>承办法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="587"/>
        <source>Division office</source>
        <translation>庭室办公室</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="588"/>
        <source>Division chief</source>
        <translation>庭长</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="591"/>
        <source>calling...</source>
        <translation>呼叫中…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="591"/>
        <source>answered</source>
        <translation>已接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="592"/>
        <source>no answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="592"/>
        <source>busy</source>
        <translation>占线</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="593"/>
        <source>failed</source>
        <translation>呼叫失败</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="605"/>
        <source>Call</source>
        <translation>呼叫</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="612"/>
        <source>No one to phone: link a case or find a judge.</source>
        <translation>没有可呼叫的对象：请关联案件或查找法官。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="665"/>
        <source>Calling %1 (%2)...</source>
        <translation>正在呼叫 %1（%2）…</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="714"/>
        <source>%1 answered.</source>
        <translation>%1 已接听。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="718"/>
        <source>No one reached. Send an urgent work order instead.</source>
        <translation>均未联系上。请改为发送紧急工单。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="721"/>
        <source>%1: %2. Next: %3.</source>
        <translation>%1：%2。下一步：%3。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="730"/>
        <source>Write what the judge is asked to do.</source>
        <translation>请填写需要法官办理的事项。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="731"/>
        <source>The request is too long: keep it short, the judge reads it as an SMS.</source>
        <translation>事项过长：请简短填写，法官将通过短信阅读。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="733"/>
        <source>Choose the judge or the division to send to.</source>
        <translation>请选择接收的法官或庭室。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="734"/>
        <source>Enter the recipient&apos;s mobile number for the SMS (the directory has none).</source>
        <translation>请输入接收人的手机号码（通讯录中没有）。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="736"/>
        <source>The due time must be in the future.</source>
        <translation>办理期限必须晚于当前时间。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="737"/>
        <source>That work order no longer exists.</source>
        <translation>该工单已不存在。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="738"/>
        <source>That work order is already closed.</source>
        <translation>该工单已结束。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/work_orders.py" line="739"/>
        <source>That work order cannot be changed that way now (it has already moved on).</source>
        <translation>该工单现在不能这样更改（状态已有变化）。</translation>
    </message>
</context>
<context>
    <name>WrapUpPage</name>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="58"/>
        <location filename="../../ui/desk/wrap_up.py" line="215"/>
        <source>No call to record.</source>
        <translation>没有需要记录的通话。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="61"/>
        <source>More time</source>
        <translation>延长时间</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="65"/>
        <source>Calls waiting for a record:</source>
        <translation>待记录的通话：</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="79"/>
        <source>(not known)</source>
        <translation>（不详）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="84"/>
        <source>What the caller asked and what you did</source>
        <translation>来电人询问的内容及您的处理情况</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="86"/>
        <source>e.g. (2026)京0105民初1234号</source>
        <translation>例如 (2026)京0105民初1234号</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="88"/>
        <source>Work order number, if one was sent</source>
        <translation>工单编号（如已派单）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="92"/>
        <source>Save record</source>
        <translation>保存记录</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="103"/>
        <source>The call was about</source>
        <translation>来电事由</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="104"/>
        <source>Court concerned</source>
        <translation>涉及法院</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="105"/>
        <source>Notes</source>
        <translation>记录内容</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="106"/>
        <source>Linked case</source>
        <translation>关联案件</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="107"/>
        <source>Work order</source>
        <translation>工单</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="130"/>
        <source>Case enquiry</source>
        <translation>案件查询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="131"/>
        <source>Contact a judge</source>
        <translation>联系法官</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="132"/>
        <source>Legal question</source>
        <translation>法律咨询</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="133"/>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="134"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="138"/>
        <source>Choose what the call was about, then save again.</source>
        <translation>请选择来电事由，然后重新保存。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="139"/>
        <source>The notes are too long (at most 4000 characters); shorten them and save again.</source>
        <translation>记录内容过长（最多 4000 字），请删减后重新保存。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="141"/>
        <source>The case number is too long; check it.</source>
        <translation>案号过长，请核对。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="142"/>
        <source>The work order number must be a number, like 42; correct it or leave it empty.</source>
        <translation>工单编号必须是数字（如 42）；请更正或留空。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="144"/>
        <source>There is no work order %1; check the number or leave it empty.</source>
        <translation>没有编号为 %1 的工单；请核对编号或留空。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="243"/>
        <source>Record of the call from %1</source>
        <translation>%1 来电的记录</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="244"/>
        <source>Record of the call to %1</source>
        <translation>呼出至 %1 的通话记录</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="245"/>
        <source>an unknown number</source>
        <translation>未知号码</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="247"/>
        <source>at %1</source>
        <translation>于 %1</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="251"/>
        <source>(saved; you may correct it)</source>
        <translation>（已保存，可修改）</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="281"/>
        <source>Wrap-up: %1 left before the next call.</source>
        <translation>话后处理：剩余 %1，之后接听下一通来电。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="285"/>
        <source>Wrap-up time is over and calls reach you again. What you typed is kept: save the record when you can.</source>
        <translation>话后处理时间已到，您将重新接到来电。已输入的内容会保留：请抽空保存记录。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="316"/>
        <source>The record was not saved: %1 What you typed is kept; try again.</source>
        <translation>记录未保存：%1 已输入的内容会保留，请重试。</translation>
    </message>
    <message>
        <location filename="../../ui/desk/wrap_up.py" line="323"/>
        <source>Record saved.</source>
        <translation>记录已保存。</translation>
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
